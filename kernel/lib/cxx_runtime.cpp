// The few symbols a freestanding C++20 kernel still needs from a C++ runtime:
// pure-virtual trap and the guard/atexit hooks (we never run destructors of
// statics: the kernel does not exit).
#include <lib/panic.h>

extern "C" {
void* __dso_handle = nullptr;

int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

[[noreturn]] void __cxa_pure_virtual() { panic("pure virtual function called"); }
}
