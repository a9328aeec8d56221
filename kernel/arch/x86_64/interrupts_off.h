// InterruptsOff: RAII for "no interrupts on this CPU in this scope",
// restoring the previous state (not blindly re-enabling) at the end.
#pragma once

#include <arch/x86_64/cpu.h>

class InterruptsOff {
public:
    InterruptsOff()
        : m_were_enabled(cpu::interrupts_enabled())
    {
        cpu::cli();
    }
    ~InterruptsOff()
    {
        if (m_were_enabled)
            cpu::sti();
    }
    InterruptsOff(InterruptsOff const&) = delete;
    InterruptsOff& operator=(InterruptsOff const&) = delete;

    // Whether interrupts were on before this scope turned them off.
    bool were_on() const { return m_were_enabled; }

private:
    bool m_were_enabled;
};
