// /tests/bin/static_pie_test: a static-PIE program (g++ -static-pie): an
// ET_DYN executable with no interpreter, which the kernel loads at a base
// address of its choice and which then applies its own relative
// relocations (issue 4, point 4). Run without arguments it checks itself;
// with "--probe" (from exec_test) it prints "static-pie ok" when its
// loading is right.
#include "guest_test.h"

#include <cstdint>
#include <elf.h>
#include <stdexcept>
#include <string>
#include <sys/auxv.h>
#include <thread>

extern "C" void _start();
extern "C" const Elf64_Ehdr __ehdr_start; // the linker's symbol for our ELF header

namespace {

int g_target = 17;
// Initialized with addresses: each needs an R_X86_64_RELATIVE relocation.
int* g_pointer = &g_target;
const char* g_strings[] = { "zero", "one", "two" };
int (*g_function)(int) = nullptr;

int twice(int x) { return 2 * x; }

thread_local int t_value = 5;

bool loaded_correctly()
{
    return __ehdr_start.e_type == ET_DYN && g_pointer == &g_target && *g_pointer == 17
        && getauxval(AT_ENTRY) == reinterpret_cast<uintptr_t>(&_start);
}

}

TEST(is_an_et_dyn_executable)
{
    EXPECT_EQ(memcmp(__ehdr_start.e_ident, ELFMAG, SELFMAG), 0);
    EXPECT_EQ(__ehdr_start.e_type, ET_DYN);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(&__ehdr_start) % 4096, 0);
    EXPECT_NE(reinterpret_cast<uintptr_t>(&__ehdr_start), 0);
}

TEST(relative_relocations_are_applied)
{
    EXPECT(g_pointer == &g_target);
    EXPECT_EQ(*g_pointer, 17);
    EXPECT_STREQ(g_strings[2], "two");
    g_function = twice;
    EXPECT_EQ(g_function(21), 42);
}

TEST(auxiliary_vector_matches_the_load_address)
{
    auto base = reinterpret_cast<uintptr_t>(&__ehdr_start);
    EXPECT_EQ(getauxval(AT_PHDR), base + __ehdr_start.e_phoff);
    EXPECT_EQ(getauxval(AT_PHNUM), __ehdr_start.e_phnum);
    EXPECT_EQ(getauxval(AT_ENTRY), reinterpret_cast<uintptr_t>(&_start));
    EXPECT_EQ(getauxval(AT_BASE), 0); // loaded without an interpreter
}

TEST(threads_tls_and_exceptions_work)
{
    int seen = 0;
    std::thread other([&] {
        t_value = 9;
        try {
            throw std::runtime_error("unwound");
        } catch (std::runtime_error const& error) {
            seen = std::string(error.what()) == "unwound" ? t_value : -1;
        }
    });
    other.join();
    EXPECT_EQ(seen, 9);
    EXPECT_EQ(t_value, 5);
}

int main(int argc, char** argv)
{
    if (argc >= 2 && strcmp(argv[1], "--probe") == 0) {
        if (!loaded_correctly())
            return 1;
        printf("static-pie ok\n");
        return 0;
    }
    return guest_test::run_tests();
}
