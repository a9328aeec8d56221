// Pseudo-terminals and job control (issue 5, items 2 and 3): /dev/ptmx
// and devpts through glibc's posix_openpt/grantpt/unlockpt/ptsname, the
// slave's line discipline as the master sees it (canonical input, echo,
// ONLCR), ^C and TIOCSWINSZ reaching the slave's foreground group, the
// hang-up when the master closes, the controlling-terminal rules
// (TIOCSCTTY, TIOCSPGRP, /dev/tty), SIGTTIN/SIGTTOU for background groups,
// SIGHUP+SIGCONT for a stopped group that becomes orphaned, the T state of
// a stopped process in /proc, and a shell driven through a pty.
// Checked on Linux as root first.
#include "guest_test.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

namespace {

struct Pty {
    int master { -1 };
    int slave { -1 };
    char name[64] {};

    ~Pty()
    {
        if (master >= 0)
            close(master);
        if (slave >= 0)
            close(slave);
    }
};

// A master and its slave, neither of them the caller's controlling tty.
bool open_pty(Pty& pty)
{
    pty.master = posix_openpt(O_RDWR | O_NOCTTY);
    if (pty.master < 0 || grantpt(pty.master) != 0 || unlockpt(pty.master) != 0)
        return false;
    const char* name = ptsname(pty.master);
    if (!name)
        return false;
    snprintf(pty.name, sizeof(pty.name), "%s", name);
    pty.slave = open(pty.name, O_RDWR | O_NOCTTY);
    return pty.slave >= 0;
}

// Reads `fd` until what came contains `expected` (true) or nothing more
// comes for a long while / an error or end of file (false). `out` gets
// what was read, NUL-terminated.
bool read_until(int fd, const char* expected, char* out, size_t size)
{
    size_t length = 0;
    out[0] = 0;
    for (;;) {
        if (strstr(out, expected))
            return true;
        if (length + 1 >= size)
            return false;
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 20000) <= 0)
            return false;
        ssize_t n = read(fd, out + length, size - 1 - length);
        if (n <= 0)
            return false;
        length += n;
        out[length] = 0;
    }
}

// The caller (a child) starts a session whose controlling terminal is the
// slave `name`, which becomes its stdin/stdout/stderr.
bool take_terminal(const char* name)
{
    if (setsid() < 0)
        return false;
    int fd = open(name, O_RDWR | O_NOCTTY);
    if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) != 0)
        return false;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
    return true;
}

char state_in_stat(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return '?';
    char text[512] = {};
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return '?';
    const char* paren = strrchr(text, ')');
    return paren && paren[1] == ' ' ? paren[2] : '?';
}

bool status_says(pid_t pid, const char* line)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    char text[4096] = {};
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    return n > 0 && strstr(text, line);
}

volatile sig_atomic_t g_hangups = 0;
void count_hangup(int) { g_hangups = g_hangups + 1; }

// A child of a session leader A on the slave, in its own (background)
// group, does `action`; A reports how B ended (or stopped) as B's wait
// status through its exit code: 0 for `expected_stop` seen.
template<typename Setup, typename Action>
int background_child_status(Pty& pty, Setup setup, Action action)
{
    int status = guest_test::in_child([&] {
        close(pty.master);
        EXPECT(take_terminal(pty.name));
        setup();
        pid_t b = fork();
        if (b == 0) {
            setpgid(0, 0);
            _exit(action());
        }
        setpgid(b, b);
        int b_status = 0;
        EXPECT_EQ(waitpid(b, &b_status, WUNTRACED), b);
        if (WIFSTOPPED(b_status)) {
            // Stopped: /proc shows it so, then it goes.
            EXPECT_EQ(state_in_stat(b), 'T');
            kill(b, SIGKILL);
            waitpid(b, nullptr, 0);
        }
        // The status, for the test's process: exit code 100 + stop signal,
        // or the child's exit code.
        _exit(WIFSTOPPED(b_status) ? 100 + WSTOPSIG(b_status) : WIFEXITED(b_status) ? WEXITSTATUS(b_status) : 99);
    });
    return status;
}

}

TEST(openpt_grantpt_unlockpt_ptsname_give_a_slave_in_dev_pts)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    EXPECT_GE(master, 0);
    unsigned number = 12345;
    EXPECT_OK(ioctl(master, TIOCGPTN, &number));
    // Locked until unlockpt: the slave will not open.
    char name[64];
    snprintf(name, sizeof(name), "/dev/pts/%u", number);
    EXPECT_ERRNO(open(name, O_RDWR | O_NOCTTY), EIO);
    EXPECT_OK(grantpt(master));
    EXPECT_OK(unlockpt(master));
    const char* given = ptsname(master);
    EXPECT(given != nullptr);
    EXPECT_STREQ(given, name);
    struct stat st;
    EXPECT_OK(stat(name, &st));
    EXPECT(S_ISCHR(st.st_mode));
    int slave = EXPECT_OK(open(name, O_RDWR | O_NOCTTY));
    EXPECT(isatty(master));
    EXPECT(isatty(slave));
    struct stat slave_st;
    EXPECT_OK(fstat(slave, &slave_st));
    EXPECT_EQ(slave_st.st_rdev, st.st_rdev);
    close(slave);
    close(master);
    // The node goes with the master.
    EXPECT_ERRNO(stat(name, &st), ENOENT);
    // TIOCGPTN is a master's ioctl.
    int null_fd = open("/dev/null", O_RDONLY);
    EXPECT_ERRNO(ioctl(null_fd, TIOCGPTN, &number), ENOTTY);
    close(null_fd);
}

TEST(master_writes_are_slave_input_in_canonical_lines)
{
    Pty pty;
    EXPECT(open_pty(pty));
    // An erased character and a line that is not finished yet.
    const char typed[] = "abX\x7f" "c\nrest";
    EXPECT_EQ(write(pty.master, typed, sizeof(typed) - 1), (ssize_t)(sizeof(typed) - 1));
    char line[64] = {};
    EXPECT_EQ(read(pty.slave, line, sizeof(line)), 4);
    EXPECT_STREQ(line, "abc\n");
    // "rest" is not a line yet.
    int flags = fcntl(pty.slave, F_GETFL);
    fcntl(pty.slave, F_SETFL, flags | O_NONBLOCK);
    EXPECT_ERRNO(read(pty.slave, line, sizeof(line)), EAGAIN);
    fcntl(pty.slave, F_SETFL, flags);
    EXPECT_EQ(write(pty.master, "\n", 1), 1);
    memset(line, 0, sizeof(line));
    EXPECT_EQ(read(pty.slave, line, sizeof(line)), 5);
    EXPECT_STREQ(line, "rest\n");
}

TEST(slave_echo_comes_back_to_the_master)
{
    Pty pty;
    EXPECT(open_pty(pty));
    EXPECT_EQ(write(pty.master, "hi\n", 3), 3);
    char seen[256];
    EXPECT(read_until(pty.master, "hi\r\n", seen, sizeof(seen)));
    EXPECT_STREQ(seen, "hi\r\n");
    char line[64] = {};
    EXPECT_EQ(read(pty.slave, line, sizeof(line)), 3);
    // No echo once ECHO is off.
    struct termios t;
    EXPECT_OK(tcgetattr(pty.slave, &t));
    t.c_lflag &= ~ECHO;
    EXPECT_OK(tcsetattr(pty.slave, TCSANOW, &t));
    EXPECT_EQ(write(pty.master, "quiet\n", 6), 6);
    EXPECT_EQ(read(pty.slave, line, sizeof(line)), 6);
    EXPECT_EQ(write(pty.slave, "!", 1), 1);
    EXPECT(read_until(pty.master, "!", seen, sizeof(seen)));
    EXPECT_STREQ(seen, "!");
}

TEST(slave_output_reaches_the_master_with_onlcr)
{
    Pty pty;
    EXPECT(open_pty(pty));
    EXPECT_EQ(write(pty.slave, "a\nb\n", 4), 4);
    char seen[256];
    EXPECT(read_until(pty.master, "b\r\n", seen, sizeof(seen)));
    EXPECT_STREQ(seen, "a\r\nb\r\n");
    struct termios t;
    EXPECT_OK(tcgetattr(pty.slave, &t));
    t.c_oflag &= ~ONLCR;
    EXPECT_OK(tcsetattr(pty.slave, TCSANOW, &t));
    EXPECT_EQ(write(pty.slave, "x\ny", 3), 3);
    EXPECT(read_until(pty.master, "y", seen, sizeof(seen)));
    EXPECT_STREQ(seen, "x\ny");
    // The master sees the slave's settings too.
    struct termios from_master;
    EXPECT_OK(tcgetattr(pty.master, &from_master));
    EXPECT_EQ(from_master.c_oflag & ONLCR, 0u);
    int pending = -1;
    EXPECT_EQ(write(pty.slave, "zz", 2), 2);
    struct pollfd p = { pty.master, POLLIN, 0 };
    EXPECT_EQ(poll(&p, 1, 20000), 1);
    EXPECT_OK(ioctl(pty.master, FIONREAD, &pending));
    EXPECT_EQ(pending, 2);
}

TEST(ctrl_c_on_the_master_interrupts_the_slaves_foreground_group)
{
    Pty pty;
    EXPECT(open_pty(pty));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(pty.master);
        if (!take_terminal(pty.name))
            _exit(2);
        if (tcgetpgrp(0) != getpid())
            _exit(3);
        pid_t sid = 0;
        if (ioctl(0, TIOCGSID, &sid) != 0 || sid != getpid())
            _exit(4);
        (void)!write(1, "ready\n", 6);
        for (;;)
            pause();
    }
    char seen[256];
    EXPECT(read_until(pty.master, "ready\r\n", seen, sizeof(seen)));
    EXPECT_EQ(write(pty.master, "\x03", 1), 1);
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_SIGNALED(status, SIGINT);
    EXPECT(read_until(pty.master, "^C", seen, sizeof(seen)));
}

TEST(tiocswinsz_on_the_master_sends_sigwinch)
{
    Pty pty;
    EXPECT(open_pty(pty));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(pty.master);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGWINCH);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        if (!take_terminal(pty.name))
            _exit(2);
        (void)!write(1, "ready\n", 6);
        int sig = 0;
        if (sigwait(&set, &sig) != 0 || sig != SIGWINCH)
            _exit(3);
        struct winsize size;
        if (ioctl(0, TIOCGWINSZ, &size) != 0 || size.ws_row != 30 || size.ws_col != 100)
            _exit(4);
        _exit(0);
    }
    char seen[256];
    EXPECT(read_until(pty.master, "ready\r\n", seen, sizeof(seen)));
    struct winsize size = { 30, 100, 0, 0 };
    EXPECT_OK(ioctl(pty.master, TIOCSWINSZ, &size));
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
}

TEST(closing_the_master_hangs_up_the_slave)
{
    Pty pty;
    EXPECT(open_pty(pty));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(pty.master);
        struct sigaction action {};
        action.sa_handler = count_hangup;
        sigaction(SIGHUP, &action, nullptr);
        if (!take_terminal(pty.name))
            _exit(2);
        (void)!write(1, "ready\n", 6);
        // Reads end with end of file (or EIO), never block again.
        char c;
        ssize_t n;
        for (;;) {
            n = read(0, &c, 1);
            if (n == 0 || (n < 0 && errno == EIO))
                break;
            if (n < 0 && errno != EINTR)
                _exit(3);
        }
        if (!g_hangups)
            _exit(4);
        if (write(1, "x", 1) != -1 || errno != EIO)
            _exit(5);
        _exit(0);
    }
    close(pty.slave);
    pty.slave = -1;
    char seen[256];
    EXPECT(read_until(pty.master, "ready\r\n", seen, sizeof(seen)));
    close(pty.master);
    pty.master = -1;
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
}

TEST(master_read_is_eio_once_the_slave_is_closed)
{
    Pty pty;
    EXPECT(open_pty(pty));
    EXPECT_EQ(write(pty.slave, "last", 4), 4);
    close(pty.slave);
    pty.slave = -1;
    // What the slave wrote is still read, then EIO.
    char seen[256];
    EXPECT(read_until(pty.master, "last", seen, sizeof(seen)));
    EXPECT_ERRNO(read(pty.master, seen, sizeof(seen)), EIO);
    struct pollfd p = { pty.master, POLLIN, 0 };
    EXPECT_EQ(poll(&p, 1, 0), 1);
    EXPECT(p.revents & POLLHUP);
}

TEST(background_read_stops_with_sigttin)
{
    Pty pty;
    EXPECT(open_pty(pty));
    int status = background_child_status(pty, [] {}, [] {
        char c;
        (void)!read(0, &c, 1);
        return 0;
    });
    EXPECT_EXITED(status, 100 + SIGTTIN);
}

TEST(background_read_with_sigttin_ignored_is_eio)
{
    Pty pty;
    EXPECT(open_pty(pty));
    int status = background_child_status(pty, [] {}, [] {
        signal(SIGTTIN, SIG_IGN);
        char c;
        return read(0, &c, 1) == -1 && errno == EIO ? 0 : 1;
    });
    EXPECT_EXITED(status, 0);
}

TEST(background_write_with_tostop_stops_with_sigttou)
{
    Pty pty;
    EXPECT(open_pty(pty));
    // Without TOSTOP a background write goes through.
    int status = background_child_status(pty, [] {}, [] { return write(1, "bg\n", 3) == 3 ? 0 : 1; });
    EXPECT_EXITED(status, 0);
    auto set_tostop = [] {
        struct termios t;
        tcgetattr(0, &t);
        t.c_lflag |= TOSTOP;
        tcsetattr(0, TCSANOW, &t);
    };
    status = background_child_status(pty, set_tostop, [] { return write(1, "bg\n", 3) == 3 ? 0 : 1; });
    EXPECT_EXITED(status, 100 + SIGTTOU);
    // Unless SIGTTOU is ignored.
    status = background_child_status(pty, set_tostop, [] {
        signal(SIGTTOU, SIG_IGN);
        return write(1, "bg\n", 3) == 3 ? 0 : 1;
    });
    EXPECT_EXITED(status, 0);
}

TEST(background_tcsetattr_stops_with_sigttou)
{
    Pty pty;
    EXPECT(open_pty(pty));
    int status = background_child_status(pty, [] {}, [] {
        struct termios t;
        tcgetattr(0, &t);
        return tcsetattr(0, TCSANOW, &t) == 0 ? 0 : 1;
    });
    EXPECT_EXITED(status, 100 + SIGTTOU);
}

TEST(tiocspgrp_checks_session_and_controlling_tty)
{
    Pty pty;
    EXPECT(open_pty(pty));
    // Not the caller's controlling terminal.
    EXPECT_ERRNO(tcsetpgrp(pty.slave, getpgrp()), ENOTTY);
    pid_t outside = getpgrp();
    int status = guest_test::in_child([&] {
        close(pty.master);
        EXPECT(take_terminal(pty.name));
        // A group of another session.
        EXPECT_ERRNO(tcsetpgrp(0, outside), EPERM);
        EXPECT_ERRNO(tcsetpgrp(0, -5), EINVAL);
        // A group of its own session is fine, and TIOCGPGRP tells it.
        pid_t b = fork();
        if (b == 0) {
            setpgid(0, 0);
            pause();
            _exit(0);
        }
        setpgid(b, b);
        EXPECT_OK(tcsetpgrp(0, b));
        EXPECT_EQ(tcgetpgrp(0), b);
        // Back to its own group: as a background process now, SIGTTOU
        // ignored lets it.
        signal(SIGTTOU, SIG_IGN);
        EXPECT_OK(tcsetpgrp(0, getpgrp()));
        EXPECT_EQ(tcgetpgrp(0), getpgrp());
        kill(b, SIGKILL);
        waitpid(b, nullptr, 0);
        // TIOCSCTTY: already this session's; another session leader may
        // not take it without stealing.
        pid_t c = fork();
        if (c == 0) {
            setsid();
            int fd = open(pty.name, O_RDWR | O_NOCTTY);
            if (ioctl(fd, TIOCSCTTY, 0) != -1 || errno != EPERM)
                _exit(1);
            _exit(0);
        }
        int c_status = 0;
        waitpid(c, &c_status, 0);
        EXPECT_EXITED(c_status, 0);
    });
    EXPECT_EXITED(status, 0);
}

TEST(dev_tty_is_enxio_without_a_controlling_terminal)
{
    Pty pty;
    EXPECT(open_pty(pty));
    int status = guest_test::in_child([&] {
        close(pty.master);
        EXPECT_OK(setsid());
        EXPECT_ERRNO(open("/dev/tty", O_RDWR), ENXIO);
        // Opening the slave without O_NOCTTY makes it the session
        // leader's controlling terminal; /dev/tty is then that terminal.
        int fd = EXPECT_OK(open(pty.name, O_RDWR));
        EXPECT_EQ(tcgetpgrp(fd), getpid());
        int tty = EXPECT_OK(open("/dev/tty", O_RDWR));
        EXPECT_EQ(write(tty, "via dev tty\n", 12), 12);
        // TIOCNOTTY gives it up (the leader's group gets SIGHUP: ignored).
        signal(SIGHUP, SIG_IGN);
        EXPECT_OK(ioctl(fd, TIOCNOTTY));
        EXPECT_ERRNO(open("/dev/tty", O_RDWR), ENXIO);
    });
    EXPECT_EXITED(status, 0);
    char seen[256];
    EXPECT(read_until(pty.master, "via dev tty\r\n", seen, sizeof(seen)));
}

TEST(controlling_process_exit_hangs_up_the_foreground_group)
{
    Pty pty;
    EXPECT(open_pty(pty));
    int report[2];
    EXPECT_OK(pipe(report));
    int status = guest_test::in_child([&] {
        close(report[0]);
        close(pty.master);
        EXPECT(take_terminal(pty.name));
        int ready[2];
        EXPECT_OK(pipe(ready));
        // b stays in the leader's (foreground) group.
        pid_t b = fork();
        if (b == 0) {
            struct sigaction action {};
            action.sa_handler = count_hangup;
            sigaction(SIGHUP, &action, nullptr);
            (void)!write(ready[1], "r", 1);
            while (!g_hangups)
                pause();
            (void)!write(report[1], "H", 1);
            _exit(0);
        }
        char c;
        EXPECT_EQ(read(ready[0], &c, 1), 1);
        // The leader leaves now: its terminal's foreground group hears it.
    });
    close(report[1]);
    EXPECT_EXITED(status, 0);
    char c = 0;
    struct pollfd p = { report[0], POLLIN, 0 };
    EXPECT_EQ(poll(&p, 1, 20000), 1);
    EXPECT_EQ(read(report[0], &c, 1), 1);
    EXPECT_EQ(c, 'H');
    close(report[0]);
}

TEST(orphaned_stopped_group_gets_sighup_and_sigcont)
{
    int report[2];
    EXPECT_OK(pipe(report));
    int status = guest_test::in_child([&] {
        close(report[0]);
        EXPECT_OK(setsid());
        pid_t b = fork();
        if (b == 0) {
            setpgid(0, 0);
            struct sigaction action {};
            action.sa_handler = count_hangup;
            sigaction(SIGHUP, &action, nullptr);
            raise(SIGSTOP);
            // Continued by the kernel's SIGCONT, after its SIGHUP.
            (void)!write(report[1], g_hangups ? "H" : "-", 1);
            _exit(0);
        }
        setpgid(b, b);
        int b_status = 0;
        EXPECT_EQ(waitpid(b, &b_status, WUNTRACED), b);
        EXPECT(WIFSTOPPED(b_status));
        // Exiting now orphans b's group, which has a stopped member.
    });
    close(report[1]);
    EXPECT_EXITED(status, 0);
    char c = 0;
    struct pollfd p = { report[0], POLLIN, 0 };
    EXPECT_EQ(poll(&p, 1, 20000), 1);
    EXPECT_EQ(read(report[0], &c, 1), 1);
    EXPECT_EQ(c, 'H');
    close(report[0]);
}

TEST(stopped_process_shows_state_t_in_proc)
{
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        for (;;)
            pause();
    }
    EXPECT_OK(kill(child, SIGSTOP));
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, WUNTRACED), child);
    EXPECT(WIFSTOPPED(status));
    EXPECT_EQ(state_in_stat(child), 'T');
    EXPECT(status_says(child, "State:\tT (stopped)"));
    EXPECT_OK(kill(child, SIGCONT));
    EXPECT_EQ(waitpid(child, &status, WCONTINUED), child);
    EXPECT(WIFCONTINUED(status));
    // Running or back in pause(): not stopped any more.
    char state = state_in_stat(child);
    for (int i = 0; i < 1000 && state == 'T'; ++i) {
        usleep(1000);
        state = state_in_stat(child);
    }
    EXPECT(state == 'S' || state == 'R');
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
}

TEST(a_shell_runs_on_the_slave_driven_through_the_master)
{
    const char* shell = access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : "/bin/sh";
    Pty pty;
    EXPECT(open_pty(pty));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(pty.master);
        close(pty.slave);
        if (!take_terminal(pty.name))
            _exit(2);
        setenv("PS1", "$ ", 1);
        setenv("ENV", "/dev/null", 1);
        execl(shell, "sh", "-i", (char*)nullptr);
        _exit(127);
    }
    char seen[4096];
    EXPECT_EQ(write(pty.master, "echo h''i\n", 10), 10);
    // The command's output (the echo shows h''i, not hi).
    EXPECT(read_until(pty.master, "\nhi\r\n", seen, sizeof(seen)));
    // Job control: a background job that reads the terminal stops.
    EXPECT_EQ(write(pty.master, "cat &\n", 6), 6);
    EXPECT_EQ(write(pty.master, "sleep 1; jobs\n", 14), 14);
    EXPECT(read_until(pty.master, "Stopped", seen, sizeof(seen)));
    // ash refuses the first exit while a job is stopped: a second one works.
    EXPECT_EQ(write(pty.master, "kill -9 %1\nexit\nexit\n", 21), 21);
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EXITED(status, 0);
}

int main() { return guest_test::run_tests(); }
