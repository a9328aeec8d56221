// Kernel invariants: VERIFY(cond) stops the system with a report when a
// condition the code relies on is false. Never used on user input.
// In the kernel it panics; in host unit tests it aborts so GoogleTest sees it.
#pragma once

[[noreturn]] void verify_failed(const char* expression, const char* file, int line, const char* function);

#define VERIFY(expression)                                              \
    do {                                                                \
        if (!(expression)) [[unlikely]]                                 \
            verify_failed(#expression, __FILE__, __LINE__, __func__);   \
    } while (0)

#define VERIFY_NOT_REACHED() verify_failed("not reached", __FILE__, __LINE__, __func__)
