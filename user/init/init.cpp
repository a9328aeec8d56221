// Haneul's /sbin/init: PID 1, the first user process (CONCEPTS C1, C7).
//
// It mounts the kernel's file systems (/proc, /dev, /dev/pts, /tmp,
// /dev/shm, /dev/mqueue), runs /etc/rc, then keeps a getty on the console (busybox's:
// /etc/issue, the login prompt, then login(1) checks the password against
// /etc/shadow and starts the user's shell), starting a new one whenever the
// session ends. Without /sbin/getty it falls back to a root shell. Like
// every init it also reaps every orphan the
// kernel re-parents to it, so no zombie outlives its parent (C7).
//
// Arguments: the kernel passes the words after `--` on its command line to
// init. `init PROGRAM [ARGS...]` runs that program instead of the shell and
// powers the machine off when it exits: this is how the guest tests run.
// PROGRAM without a slash is looked for in PATH.
//
// Signals, as busybox's init understands them, so that busybox's `halt`,
// `poweroff` and `reboot` work: SIGUSR1 halts, SIGUSR2 powers off, SIGTERM
// reboots (each after SIGTERM then SIGKILL to every other process).
// SIGINT (Ctrl-Alt-Del) is ignored.
//
// Built with the musl C library (user/CMakeLists.txt): it is in every boot
// image, and glibc's static floor alone is ~680 KiB against ~40 KiB here.
// So it includes C headers only and uses no libstdc++.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

constexpr char kPath[] = "/sbin:/bin:/usr/sbin:/usr/bin";
constexpr char kGetty[] = "/sbin/getty";

const char* const kShellEnvironment[] = {
    "HOME=/root",
    "PATH=/sbin:/bin:/usr/sbin:/usr/bin",
    "TERM=linux",
    "SHELL=/bin/sh",
    "USER=root",
    "LOGNAME=root",
    nullptr,
};

constexpr int kHandledSignals[] = { SIGTERM, SIGUSR1, SIGUSR2 };

// The reboot(2) command a signal asked for, 0 while none did.
volatile sig_atomic_t g_shutdown_request;

void say(const char* fmt, const char* detail = "", int error = 0)
{
    char line[256];
    int n = snprintf(line, sizeof(line), fmt, detail);
    if (error)
        n += snprintf(line + n, sizeof(line) - n, ": %s", strerror(error));
    if (n > (int)sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    (void)!write(2, "init: ", 6);
    (void)!write(2, line, n);
}

void mount_or_say(const char* source, const char* target, const char* type, unsigned long flags = 0)
{
    mkdir(target, 0755);
    if (mount(source, target, type, flags, nullptr) != 0)
        say("cannot mount %s", target, errno);
}

// Init's own stdin, stdout and stderr: the console, unless the kernel
// already opened them (as Linux does from the initramfs's /dev/console).
void open_console_if_needed()
{
    if (fcntl(2, F_GETFD) >= 0)
        return;
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return;
    for (int i = 0; i < 3; ++i) {
        if (fcntl(i, F_GETFD) < 0)
            dup2(fd, i);
    }
    if (fd > 2)
        close(fd);
}

// The console becomes the child's controlling terminal and its stdin,
// stdout and stderr, in a new session (so job control has a terminal).
void attach_console()
{
    setsid();
    int fd = open("/dev/console", O_RDWR);
    if (fd < 0)
        return;
    ioctl(fd, TIOCSCTTY, 1);
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
}

struct SpawnOptions {
    bool with_console { false };
    const char* directory { nullptr }; // the child's working directory
    const char* path { nullptr };      // the file to run, when not argv[0]
};

pid_t spawn(char* const argv[], SpawnOptions const& options)
{
    pid_t pid = fork();
    if (pid < 0) {
        say("fork failed", "", errno);
        return -1;
    }
    if (pid == 0) {
        if (options.with_console)
            attach_console();
        if (options.directory && chdir(options.directory) != 0)
            (void)!chdir("/");
        // What init catches or ignores must not stay so in its children.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        signal(SIGINT, SIG_DFL);
        for (int sig : kHandledSignals)
            signal(sig, SIG_DFL);
        const char* path = options.path ? options.path : argv[0];
        execvpe(path, argv, const_cast<char* const*>(kShellEnvironment));
        say("cannot run %s", path, errno);
        _exit(127);
    }
    return pid;
}

void on_shutdown_signal(int sig)
{
    g_shutdown_request = sig == SIGUSR1 ? RB_HALT_SYSTEM : sig == SIGUSR2 ? RB_POWER_OFF : RB_AUTOBOOT;
}

[[noreturn]] void shut_down(int command)
{
    // Everyone else gets a moment to exit cleanly, then is killed. With
    // nobody left (ESRCH: the usual end of a guest test run) no waiting.
    if (kill(-1, SIGTERM) == 0) {
        struct timespec moment = { 0, 200 * 1000 * 1000 };
        nanosleep(&moment, nullptr);
        kill(-1, SIGKILL);
    }
    sync();
    reboot(command);
    say("reboot() returned", "", errno);
    for (;;)
        pause();
}

// Waits for `child`, reaping every other exited process on the way, and
// shuts down when a signal asks for it.
int wait_for(pid_t child)
{
    for (;;) {
        if (g_shutdown_request)
            shut_down(g_shutdown_request);
        int status = 0;
        pid_t pid = wait(&status);
        if (pid < 0 && errno == ECHILD)
            return -1;
        if (pid == child)
            return status;
    }
}

void run_rc()
{
    struct stat st;
    if (stat("/etc/rc", &st) != 0)
        return;
    char sh[] = "/bin/sh";
    char rc[] = "/etc/rc";
    char* argv[] = { sh, rc, nullptr };
    pid_t pid = spawn(argv, {});
    if (pid > 0)
        wait_for(pid);
}

void catch_shutdown_signals()
{
    // No SA_RESTART: the signal must end the wait() init sleeps in.
    struct sigaction action {};
    action.sa_handler = on_shutdown_signal;
    sigemptyset(&action.sa_mask);
    for (int sig : kHandledSignals)
        sigaction(sig, &action, nullptr);
    signal(SIGINT, SIG_IGN);
}

}

int main(int argc, char** argv)
{
    if (getpid() != 1) {
        say("must run as process 1");
        return 1;
    }
    catch_shutdown_signals();
    setenv("PATH", kPath, 1); // where execvpe looks for a program named without a slash

    mount_or_say("proc", "/proc", "proc");
    mount_or_say("devtmpfs", "/dev", "devtmpfs");
    mount_or_say("devpts", "/dev/pts", "devpts");
    open_console_if_needed();
    mount_or_say("tmpfs", "/tmp", "tmpfs");
    chmod("/tmp", 01777);
    mount_or_say("tmpfs", "/dev/shm", "tmpfs");
    chmod("/dev/shm", 01777);
    mount_or_say("mqueue", "/dev/mqueue", "mqueue");
    run_rc();

    if (argc > 1) {
        // A job given on the command line: run it, then power off.
        pid_t pid = spawn(argv + 1, { .with_console = true });
        int status = pid > 0 ? wait_for(pid) : -1;
        if (status == -1)
            fprintf(stderr, "init: %s did not run\n", argv[1]);
        else if (WIFEXITED(status))
            fprintf(stderr, "init: %s exited with status %d\n", argv[1], WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
            fprintf(stderr, "init: %s killed by signal %d\n", argv[1], WTERMSIG(status));
        shut_down(RB_POWER_OFF);
    }

    for (;;) {
        if (g_shutdown_request)
            shut_down(g_shutdown_request);
        pid_t pid;
        if (access(kGetty, X_OK) == 0) {
            // getty -L: a local line (no modem control); speed 0 keeps the
            // console's. The session is getty, then login, then the shell,
            // all one process: when it ends, a new getty starts.
            char getty[] = "getty", local[] = "-L", speed[] = "0", line[] = "console", term[] = "linux";
            char* argv_getty[] = { getty, local, speed, line, term, nullptr };
            pid = spawn(argv_getty, { .with_console = true, .directory = "/", .path = kGetty });
        } else {
            // A login shell ("-sh"), so that it reads /etc/profile, in
            // root's home, as login(1) would start it.
            char sh[] = "-sh";
            char* shell[] = { sh, nullptr };
            pid = spawn(shell, { .with_console = true, .directory = "/root", .path = "/bin/sh" });
        }
        if (pid < 0) {
            sleep(1);
            continue;
        }
        int status = wait_for(pid);
        if (WIFSIGNALED(status))
            say("the console session was killed by a signal; starting a new one");
        sleep(1); // a session that dies at once must not spin the CPU
    }
}
