# The signal code's hardware-free parts (issue 5): the ABI rules
# (kernel/proc/signal_abi.cpp: sets, actions, siginfo, restarts, timers)
# and the signal frame's layout and checks (kernel/proc/signal_frame.cpp),
# tested by tests/host/signal_rules_test.cpp and signal_frame_test.cpp.
# Delivery itself (kernel/proc/signals.cpp) needs the scheduler and stays
# kernel-only; tests/guest/programs/signal_test.cpp covers it.
list(APPEND HOST_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/proc/signal_abi.cpp
  ${CMAKE_SOURCE_DIR}/kernel/proc/signal_frame.cpp)
