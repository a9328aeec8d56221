# The task manager's policy, built for the host so that
# tests/host/sched_policy_test.cpp can check it: classes, weights, virtual
# runtime, slices, placement, the run queues' pick, thread states and the
# load average. The switching, timer and wake-up code (scheduler.cpp,
# timer.cpp, wait_queue.cpp, reaper.cpp) is kernel-only.
list(APPEND HOST_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/sched/policy.cpp
  ${CMAKE_SOURCE_DIR}/kernel/sched/run_queue.cpp
  ${CMAKE_SOURCE_DIR}/kernel/sched/thread.cpp
  ${CMAKE_SOURCE_DIR}/kernel/sched/load_average.cpp
)
