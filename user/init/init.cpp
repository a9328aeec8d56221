// Haneul's /sbin/init: PID 1, the first user process (CONCEPTS C1, C7).
//
// It mounts the kernel's file systems (/proc, /dev, /tmp, /dev/shm), runs
// /etc/rc, then keeps a shell on the console, starting a new one whenever
// the last exits. Like every init it also reaps every orphan the kernel
// re-parents to it, so no zombie outlives its parent (C7).
//
// Arguments: the kernel passes the words after `--` on its command line to
// init. `init PROGRAM [ARGS...]` runs that program instead of the shell and
// powers the machine off when it exits: this is how the guest tests run.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

const char* const kShellEnvironment[] = {
    "HOME=/root",
    "PATH=/sbin:/bin:/usr/sbin:/usr/bin",
    "TERM=linux",
    "SHELL=/bin/sh",
    "USER=root",
    "LOGNAME=root",
    nullptr,
};

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

pid_t spawn(char* const argv[], bool with_console)
{
    pid_t pid = fork();
    if (pid < 0) {
        say("fork failed", "", errno);
        return -1;
    }
    if (pid == 0) {
        if (with_console)
            attach_console();
        // Signals init ignores must not stay ignored in its children.
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execve(argv[0], argv, const_cast<char* const*>(kShellEnvironment));
        say("cannot run %s", argv[0], errno);
        _exit(127);
    }
    return pid;
}

// Waits for `child`, reaping every other exited process on the way.
int wait_for(pid_t child)
{
    for (;;) {
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
    pid_t pid = spawn(argv, false);
    if (pid > 0)
        wait_for(pid);
}

[[noreturn]] void power_off()
{
    sync();
    reboot(RB_POWER_OFF);
    say("reboot(RB_POWER_OFF) returned", "", errno);
    for (;;)
        pause();
}

}

int main(int argc, char** argv)
{
    if (getpid() != 1) {
        say("must run as process 1");
        return 1;
    }
    // init ignores what would kill it from the keyboard.
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);

    mount_or_say("proc", "/proc", "proc");
    mount_or_say("devtmpfs", "/dev", "devtmpfs");
    mount_or_say("tmpfs", "/tmp", "tmpfs");
    chmod("/tmp", 01777);
    mount_or_say("tmpfs", "/dev/shm", "tmpfs");
    chmod("/dev/shm", 01777);
    run_rc();

    if (argc > 1) {
        // A job given on the command line: run it, then power off.
        pid_t pid = spawn(argv + 1, true);
        int status = pid > 0 ? wait_for(pid) : -1;
        if (WIFEXITED(status))
            fprintf(stderr, "init: %s exited with status %d\n", argv[1], WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
            fprintf(stderr, "init: %s killed by signal %d\n", argv[1], WTERMSIG(status));
        power_off();
    }

    for (;;) {
        char sh[] = "/bin/sh";
        char* shell[] = { sh, nullptr };
        pid_t pid = spawn(shell, true);
        if (pid < 0) {
            sleep(1);
            continue;
        }
        int status = wait_for(pid);
        if (WIFSIGNALED(status))
            say("the shell was killed by a signal; starting a new one");
        sleep(1); // a shell that dies at once must not spin the CPU
    }
}
