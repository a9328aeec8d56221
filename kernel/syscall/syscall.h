// System calls (CONCEPTS A5, B3): the one door from user mode into the
// kernel, with Linux x86-64's numbers, argument registers and -errno
// results, so that unmodified static Linux binaries run.
//
// The path of a call: the `syscall` instruction enters
// arch/x86_64/syscall_entry.S, which switches to the thread's kernel stack
// and saves the user registers as an InterruptFrame (the same layout an
// interrupt from user mode leaves, so fork, exec and signals have one
// frame to copy or rewrite); syscalls::dispatch() (dispatch.cpp) looks the
// number up in the table and calls the handler; the result goes back in
// rax through sysret (or iret when a handler rewrote rip/rsp).
//
// Writing a handler: an ordinary function whose parameters are the call's
// arguments in order, typed (int, u32, u64, usize, UserPtr<T>...), and
// whose result is ErrorOr<long>; an error becomes -errno. A handler that
// needs the saved user registers (fork, execve, rt_sigreturn, clone) takes
// `InterruptFrame&` as its first parameter. Register it, in the family's
// own file, with
//
//     static ErrorOr<long> sys_getpid() { return current::process().pid(); }
//     REGISTER_SYSCALL(getpid, sys_getpid);
//
// Registration puts a {number, handler} record in the .syscall_handlers
// section; the table is filled from it at boot, so the family files
// (kernel/syscall/<family>.cpp) never share a list that all must edit.
// A number with no handler returns -ENOSYS and logs its name once.
#pragma once

#include <arch/x86_64/interrupts.h>
#include <lib/error_or.h>
#include <lib/types.h>
#include <syscall/uaccess.h>
#include <type_traits>
#include <utility>

namespace syscalls {

// Linux's numbers: syscalls::nr::read == 0, ...
namespace nr {
#define X(number, name) constexpr u32 name = number;
#include <syscall/syscall_list.inc>
#undef X
}

constexpr u32 kTableSize = 512;

// What a handler returns when it has set the frame's rax itself
// (rt_sigreturn restores the interrupted rax): no -errno can equal it.
constexpr long kKeepRax = static_cast<long>(0x8000000000000000ull);

using Handler = long (*)(InterruptFrame&);

struct alignas(16) Registration {
    u32 number;
    Handler handler;
};

// The name of a call for logs ("read"), or nullptr for an unknown number.
const char* name_of(u32 number);

// Boot: fills the table from the registrations; enables the syscall
// instruction on this CPU (every CPU calls init_this_cpu()).
void init();

// arch entry calls this with the saved user registers; the result is
// stored in frame.rax by the caller.
extern "C" long syscall_dispatch(InterruptFrame* frame);

namespace detail {

template<typename T>
T argument_as(u64 raw)
{
    if constexpr (is_user_pointer<T>::value)
        return T(raw);
    else if constexpr (std::is_pointer_v<T>)
        static_assert(!std::is_pointer_v<T>, "user pointers are UserPtr<T>, never raw pointers");
    else
        return static_cast<T>(raw);
}

inline u64 argument_register(InterruptFrame const& frame, usize index)
{
    switch (index) {
    case 0:
        return frame.rdi;
    case 1:
        return frame.rsi;
    case 2:
        return frame.rdx;
    case 3:
        return frame.r10; // rcx holds the return address after `syscall`
    case 4:
        return frame.r8;
    default:
        return frame.r9;
    }
}

inline long to_result(ErrorOr<long>&& result)
{
    if (result.is_error())
        return -static_cast<long>(result.error().code());
    return result.value();
}

template<typename... Args>
constexpr bool kTakesFrame = false;
template<typename First, typename... Rest>
constexpr bool kTakesFrame<First, Rest...> = std::is_same_v<First, InterruptFrame&>;

// Calls `Function(frame, arguments...)`: Rest are the types after the frame.
template<typename... Rest>
struct WithFrame {
    template<auto Function, usize... I>
    static long call(InterruptFrame& frame, std::index_sequence<I...>)
    {
        return to_result(Function(frame, argument_as<Rest>(argument_register(frame, I))...));
    }
};
template<typename First, typename... Rest>
struct DropFirst {
    using Call = WithFrame<Rest...>;
};

template<auto Function>
struct Adapter;

template<typename... Args, ErrorOr<long> (*Function)(Args...)>
struct Adapter<Function> {
    static long call(InterruptFrame& frame)
    {
        if constexpr (kTakesFrame<Args...>) {
            static_assert(sizeof...(Args) <= 7, "a system call has at most six arguments");
            return DropFirst<Args...>::Call::template call<Function>(frame,
                std::make_index_sequence<sizeof...(Args) - 1> {});
        } else {
            static_assert(sizeof...(Args) <= 6, "a system call has at most six arguments");
            return invoke(frame, std::index_sequence_for<Args...> {});
        }
    }
    template<usize... I>
    static long invoke(InterruptFrame& frame, std::index_sequence<I...>)
    {
        return to_result(Function(argument_as<Args>(argument_register(frame, I))...));
    }
};

}

}

#define REGISTER_SYSCALL(name, function)                                                                   \
    [[gnu::used, gnu::section(".syscall_handlers")]] static constexpr ::syscalls::Registration              \
        s_syscall_registration_##name { ::syscalls::nr::name, &::syscalls::detail::Adapter<&function>::call }
