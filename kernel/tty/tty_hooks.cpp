// The weak defaults of tty/tty_hooks.h: until issue 5 delivers signals,
// ^C only does what the line discipline does (flush and echo).
#include <tty/tty_hooks.h>

namespace tty::hooks {

[[gnu::weak]] void signal_foreground_group(i32, int) { }

}
