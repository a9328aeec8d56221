// Kernel-only definitions of the C memory and string primitives (the host
// build uses libc's). The compiler also emits calls to memcpy/memset itself.
#include <lib/string.h>

extern "C" {

// Quadwords, then the last bytes: on hardware with ERMSB `rep movsb` alone
// would do, but under QEMU's TCG (where Haneul is measured) every
// iteration of a string instruction costs the same whatever its width, so
// moving 8 bytes at a time makes page copies about 8x faster.
void* memcpy(void* dest, const void* src, size_t n)
{
    void* ret = dest;
    size_t quads = n / 8;
    size_t bytes = n % 8;
    asm volatile("rep movsq" : "+D"(dest), "+S"(src), "+c"(quads) : : "memory");
    asm volatile("rep movsb" : "+D"(dest), "+S"(src), "+c"(bytes) : : "memory");
    return ret;
}

void* memmove(void* dest, const void* src, size_t n)
{
    auto* d = static_cast<u8*>(dest);
    auto const* s = static_cast<u8 const*>(src);
    if (d == s || n == 0)
        return dest;
    if (d < s || d >= s + n)
        return memcpy(dest, src, n);
    // Overlapping with dest above src: copy backwards.
    while (n--)
        d[n] = s[n];
    return dest;
}

void* memset(void* dest, int value, size_t n)
{
    void* ret = dest;
    u64 pattern = 0x0101010101010101ull * static_cast<u8>(value);
    size_t quads = n / 8;
    size_t bytes = n % 8;
    asm volatile("rep stosq" : "+D"(dest), "+c"(quads) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(dest), "+c"(bytes) : "a"(pattern) : "memory");
    return ret;
}

int memcmp(const void* a, const void* b, size_t n)
{
    auto const* x = static_cast<u8 const*>(a);
    auto const* y = static_cast<u8 const*>(b);
    for (size_t i = 0; i < n; ++i) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char* s)
{
    size_t n = 0;
    while (s[n])
        ++n;
    return n;
}

size_t strnlen(const char* s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        ++n;
    return n;
}

int strcmp(const char* a, const char* b)
{
    while (*a && *a == *b) {
        ++a;
        ++b;
    }
    return static_cast<u8>(*a) - static_cast<u8>(*b);
}

int strncmp(const char* a, const char* b, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        if (a[i] != b[i] || !a[i])
            return static_cast<u8>(a[i]) - static_cast<u8>(b[i]);
    }
    return 0;
}

char* strchr(const char* s, int c)
{
    for (;; ++s) {
        if (*s == static_cast<char>(c))
            return const_cast<char*>(s);
        if (!*s)
            return nullptr;
    }
}
}
