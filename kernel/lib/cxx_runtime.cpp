// The few symbols a freestanding C++20 kernel still needs from a C++ runtime:
// pure-virtual trap and the guard/atexit hooks (we never run destructors of
// statics: the kernel does not exit).
#include <lib/panic.h>
#include <new>

// `new (std::nothrow) T` is how kernel code allocates objects (nullptr on
// failure); the tag object itself normally lives in libstdc++.
namespace std {
const nothrow_t nothrow {};
}

extern "C" {
void* __dso_handle = nullptr;

int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

[[noreturn]] void __cxa_pure_virtual() { panic("pure virtual function called"); }
}
