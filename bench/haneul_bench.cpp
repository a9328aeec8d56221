// haneul_bench: the micro-benchmarks that tools/bench.py runs on Haneul and
// on Linux in the same emulator (issue 7). One static glibc program, the
// same bytes on both systems.
//
//   haneul_bench [--scale F] [--only NAME[,NAME...]] [--json] [--list]
//
// Each benchmark prints one line: its name, the iterations it ran and the
// result, in ns per operation or MB/s. With --json the line is
//   BENCH {"name":"getppid","iterations":200000,"value":812.5,"unit":"ns/op"}
// and the run ends with `BENCH-END`, so that the harness can pick the lines
// out of a console that also carries kernel messages and typed commands.
// A benchmark whose system calls the kernel does not have (ENOSYS) prints
// "unsupported" instead and the run goes on; one that fails otherwise prints
// its error. Each runs in a child process of its own, in a process group
// the parent kills after a time limit: a hang or a crash costs that line
// only.
//
// Iteration counts are chosen so that a run at scale 1 takes a few seconds
// per system under QEMU TCG; --scale multiplies every count.
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <new>

namespace {

bool g_json = false;
double g_scale = 1.0;
const char* g_self = nullptr; // this program's path, for fork_exec_wait

// How a benchmark ended: a measurement, or why there is none.
struct Result {
    enum class Kind { Measured, Unsupported, Skipped, Failed } kind { Kind::Failed };
    long iterations { 0 };
    double value { 0 };
    const char* unit { "ns/op" };
    char reason[96] {};
};

Result failed(const char* what, int error)
{
    Result r;
    r.kind = error == ENOSYS || error == EAFNOSUPPORT ? Result::Kind::Unsupported : Result::Kind::Failed;
    snprintf(r.reason, sizeof(r.reason), "%s: %s", what, strerror(error));
    return r;
}

Result skipped(const char* why)
{
    Result r;
    r.kind = Result::Kind::Skipped;
    snprintf(r.reason, sizeof(r.reason), "%s", why);
    return r;
}

Result ns_per_op(long iterations, uint64_t ns)
{
    Result r;
    r.kind = Result::Kind::Measured;
    r.iterations = iterations;
    r.value = double(ns) / double(iterations);
    return r;
}

Result megabytes_per_second(long iterations, uint64_t bytes, uint64_t ns)
{
    Result r;
    r.kind = Result::Kind::Measured;
    r.iterations = iterations;
    r.value = (double(bytes) / 1e6) / (double(ns) / 1e9);
    r.unit = "MB/s";
    return r;
}

uint64_t now_ns()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

long scaled(long base)
{
    long n = long(double(base) * g_scale);
    return n < 1 ? 1 : n;
}

// read/write that finish the whole transfer (a pipe may return less).
bool write_all(int fd, const void* data, size_t size)
{
    auto* p = static_cast<const char*>(data);
    while (size) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= size_t(n);
    }
    return true;
}

bool read_all(int fd, void* data, size_t size)
{
    auto* p = static_cast<char*>(data);
    while (size) {
        ssize_t n = read(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= size_t(n);
    }
    return true;
}

// Waits for a helper child and says whether it exited with status 0.
bool child_ok(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool pin_to_cpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
        return false;
    sched_yield(); // let the scheduler move us now, before the clock starts
    return sched_getcpu() == cpu;
}

// --- system calls ---

Result bench_getppid()
{
    long n = scaled(100000);
    for (int i = 0; i < 1000; ++i)
        syscall(SYS_getppid);
    uint64_t start = now_ns();
    for (long i = 0; i < n; ++i)
        syscall(SYS_getppid); // glibc caches nothing for getppid, but be explicit
    return ns_per_op(n, now_ns() - start);
}

// --- round trips: one byte there and back, n times ---

// The echo side of a round trip over a pair of descriptors.
void echo_loop(int in, int out, long n)
{
    char byte;
    for (long i = 0; i < n; ++i) {
        if (!read_all(in, &byte, 1) || !write_all(out, &byte, 1))
            _exit(1);
    }
}

// Times n round trips from the caller's side.
uint64_t ping_loop(int in, int out, long n, bool* ok)
{
    char byte = 'x';
    uint64_t start = now_ns();
    for (long i = 0; i < n; ++i) {
        if (!write_all(out, &byte, 1) || !read_all(in, &byte, 1)) {
            *ok = false;
            break;
        }
    }
    return now_ns() - start;
}

// Two processes; `cross_cpu` pins them to CPUs 0 and 1.
Result pipe_round_trip_processes(long n, bool cross_cpu)
{
    if (cross_cpu && sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return skipped("needs two CPUs");
    int there[2], back[2];
    if (pipe(there) != 0 || pipe(back) != 0)
        return failed("pipe", errno);
    pid_t pid = fork();
    if (pid < 0)
        return failed("fork", errno);
    if (pid == 0) {
        if (cross_cpu && !pin_to_cpu(1))
            _exit(2);
        echo_loop(there[0], back[1], n + 100);
        _exit(0);
    }
    if (cross_cpu && !pin_to_cpu(0)) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return failed("sched_setaffinity", errno ? errno : EINVAL);
    }
    bool ok = true;
    ping_loop(back[0], there[1], 100, &ok); // warm-up, and the child's pinning done
    uint64_t ns = ping_loop(back[0], there[1], n, &ok);
    if (!child_ok(pid) || !ok)
        return failed("echo child", EIO);
    return ns_per_op(n, ns);
}

Result bench_pipe_rtt_proc() { return pipe_round_trip_processes(scaled(5000), false); }
Result bench_pipe_rtt_cross_cpu() { return pipe_round_trip_processes(scaled(2000), true); }

struct EchoThread {
    int in, out;
    long n;
};

void* echo_thread(void* arg)
{
    auto* e = static_cast<EchoThread*>(arg);
    char byte;
    for (long i = 0; i < e->n; ++i) {
        if (!read_all(e->in, &byte, 1) || !write_all(e->out, &byte, 1))
            return reinterpret_cast<void*>(1);
    }
    return nullptr;
}

Result bench_pipe_rtt_thread()
{
    long n = scaled(5000);
    int there[2], back[2];
    if (pipe(there) != 0 || pipe(back) != 0)
        return failed("pipe", errno);
    EchoThread e { there[0], back[1], n + 100 };
    pthread_t thread;
    int error = pthread_create(&thread, nullptr, echo_thread, &e);
    if (error)
        return failed("pthread_create", error);
    bool ok = true;
    ping_loop(back[0], there[1], 100, &ok);
    uint64_t ns = ping_loop(back[0], there[1], n, &ok);
    void* status = nullptr;
    pthread_join(thread, &status);
    if (!ok || status)
        return failed("echo thread", EIO);
    return ns_per_op(n, ns);
}

Result bench_unix_stream_rtt()
{
    long n = scaled(5000);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return failed("socketpair", errno);
    pid_t pid = fork();
    if (pid < 0)
        return failed("fork", errno);
    if (pid == 0) {
        close(sv[0]);
        echo_loop(sv[1], sv[1], n + 100);
        _exit(0);
    }
    close(sv[1]);
    bool ok = true;
    ping_loop(sv[0], sv[0], 100, &ok);
    uint64_t ns = ping_loop(sv[0], sv[0], n, &ok);
    if (!child_ok(pid) || !ok)
        return failed("echo child", EIO);
    return ns_per_op(n, ns);
}

struct Message {
    long type;
    char byte;
};

Result bench_sysv_msg_rtt()
{
    long n = scaled(5000);
    int queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (queue < 0)
        return failed("msgget", errno);
    // Type 1 goes to the child, type 2 comes back.
    pid_t pid = fork();
    if (pid < 0) {
        int error = errno;
        msgctl(queue, IPC_RMID, nullptr);
        return failed("fork", error);
    }
    if (pid == 0) {
        Message m;
        for (long i = 0; i < n + 100; ++i) {
            if (msgrcv(queue, &m, sizeof(m.byte), 1, 0) < 0)
                _exit(1);
            m.type = 2;
            if (msgsnd(queue, &m, sizeof(m.byte), 0) != 0)
                _exit(1);
        }
        _exit(0);
    }
    auto trips = [&](long count) {
        for (long i = 0; i < count; ++i) {
            Message m { 1, 'x' };
            if (msgsnd(queue, &m, sizeof(m.byte), 0) != 0 || msgrcv(queue, &m, sizeof(m.byte), 2, 0) < 0)
                return false;
        }
        return true;
    };
    bool ok = trips(100);
    uint64_t start = now_ns();
    ok = ok && trips(n);
    uint64_t ns = now_ns() - start;
    if (!ok)
        kill(pid, SIGKILL);
    bool child = child_ok(pid);
    msgctl(queue, IPC_RMID, nullptr);
    if (!ok || !child)
        return failed("msgsnd/msgrcv", EIO);
    return ns_per_op(n, ns);
}

// --- processes and threads ---

Result bench_fork_exit_wait()
{
    long n = scaled(300);
    uint64_t start = now_ns();
    for (long i = 0; i < n; ++i) {
        pid_t pid = fork();
        if (pid < 0)
            return failed("fork", errno);
        if (pid == 0)
            _exit(0);
        if (!child_ok(pid))
            return failed("child", EIO);
    }
    return ns_per_op(n, now_ns() - start);
}

// The child runs this very program with --exit-now: a static glibc
// program of ~0.9 MB on both systems, which returns from main at once.
Result bench_fork_exec_wait()
{
    long n = scaled(100);
    char exit_now[] = "--exit-now";
    char* argv[] = { const_cast<char*>(g_self), exit_now, nullptr };
    char* envp[] = { nullptr };
    uint64_t start = now_ns();
    for (long i = 0; i < n; ++i) {
        pid_t pid = fork();
        if (pid < 0)
            return failed("fork", errno);
        if (pid == 0) {
            execve(g_self, argv, envp);
            _exit(127);
        }
        if (!child_ok(pid))
            return failed("exec child", EIO);
    }
    return ns_per_op(n, now_ns() - start);
}

void* nothing(void*) { return nullptr; }

Result bench_thread_create_join()
{
    long n = scaled(1000);
    uint64_t start = now_ns();
    for (long i = 0; i < n; ++i) {
        pthread_t thread;
        int error = pthread_create(&thread, nullptr, nothing, nullptr);
        if (error)
            return failed("pthread_create", error);
        pthread_join(thread, nullptr);
    }
    return ns_per_op(n, now_ns() - start);
}

// --- memory ---

// Touches every page of fresh anonymous mappings: the cost per page of a
// demand-zero fault (the mmap and munmap are in it, spread over 256 pages).
Result bench_page_fault()
{
    constexpr long kPagesPerMap = 256;
    long page = sysconf(_SC_PAGESIZE);
    long maps = scaled(40);
    uint64_t start = now_ns();
    for (long m = 0; m < maps; ++m) {
        void* region = mmap(nullptr, size_t(kPagesPerMap * page), PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (region == MAP_FAILED)
            return failed("mmap", errno);
        auto* bytes = static_cast<volatile char*>(region);
        for (long p = 0; p < kPagesPerMap; ++p)
            bytes[p * page] = 1;
        munmap(region, size_t(kPagesPerMap * page));
    }
    return ns_per_op(maps * kPagesPerMap, now_ns() - start);
}

// --- bandwidth ---

constexpr size_t kChunk = 64 * 1024;

Result bench_pipe_bandwidth()
{
    long chunks = scaled(256); // 16 MiB at scale 1
    int fds[2];
    if (pipe(fds) != 0)
        return failed("pipe", errno);
    pid_t pid = fork();
    if (pid < 0)
        return failed("fork", errno);
    if (pid == 0) {
        close(fds[1]);
        static char sink[kChunk];
        for (;;) {
            ssize_t got = read(fds[0], sink, sizeof(sink));
            if (got == 0)
                _exit(0);
            if (got < 0 && errno != EINTR)
                _exit(1);
        }
    }
    close(fds[0]);
    static char buffer[kChunk];
    memset(buffer, 'p', sizeof(buffer));
    uint64_t start = now_ns();
    bool ok = true;
    for (long i = 0; i < chunks && ok; ++i)
        ok = write_all(fds[1], buffer, sizeof(buffer));
    close(fds[1]);
    bool child = child_ok(pid); // the reader has read everything when it exits
    uint64_t ns = now_ns() - start;
    if (!ok || !child)
        return failed("pipe transfer", EIO);
    return megabytes_per_second(chunks, uint64_t(chunks) * kChunk, ns);
}

// A ring of fixed-size messages in a MAP_SHARED anonymous mapping between
// two processes. The producer sleeps on a futex when the ring is full, the
// consumer when it is empty; each wakes the other only when it may be
// asleep. Result: ns per message.
struct Ring {
    static constexpr uint32_t kSlots = 256;
    static constexpr size_t kMessage = 64;
    std::atomic<uint32_t> head; // next slot the producer writes (only grows)
    std::atomic<uint32_t> tail; // next slot the consumer reads (only grows)
    std::atomic<uint32_t> producer_waiting;
    std::atomic<uint32_t> consumer_waiting;
    char slots[kSlots][kMessage];
};

static_assert(std::atomic<uint32_t>::is_always_lock_free);

long futex(std::atomic<uint32_t>* word, int op, uint32_t value)
{
    // FUTEX_*_PRIVATE would not work across processes with MAP_SHARED.
    return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, nullptr, nullptr, 0);
}

// Sleeps until `changed()` holds, announcing itself in `waiting` so the other
// side knows to wake `word`.
template<typename Changed>
bool wait_on(std::atomic<uint32_t>& word, std::atomic<uint32_t>& waiting, Changed changed)
{
    for (int spin = 0; spin < 64; ++spin) {
        if (changed())
            return true;
    }
    while (!changed()) {
        uint32_t seen = word.load();
        waiting.store(1);
        if (changed()) {
            waiting.store(0);
            break;
        }
        if (futex(&word, FUTEX_WAIT, seen) != 0 && errno != EAGAIN && errno != EINTR)
            return false;
        waiting.store(0);
    }
    return true;
}

void wake(std::atomic<uint32_t>& word, std::atomic<uint32_t>& waiting)
{
    if (waiting.load())
        futex(&word, FUTEX_WAKE, 1);
}

Result bench_shm_ring()
{
    long messages = scaled(100000);
    void* shared = mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return failed("mmap MAP_SHARED", errno);
    auto* ring = new (shared) Ring();
    pid_t pid = fork();
    if (pid < 0)
        return failed("fork", errno);
    if (pid == 0) {
        // Consumer: checks each message's first word.
        for (long i = 0; i < messages; ++i) {
            uint32_t tail = ring->tail.load(std::memory_order_relaxed);
            if (!wait_on(ring->head, ring->consumer_waiting, [&] { return ring->head.load() != tail; }))
                _exit(1);
            long got;
            memcpy(&got, ring->slots[tail % Ring::kSlots], sizeof(got));
            if (got != i)
                _exit(2);
            ring->tail.store(tail + 1);
            wake(ring->tail, ring->producer_waiting);
        }
        _exit(0);
    }
    uint64_t start = now_ns();
    char message[Ring::kMessage] = {};
    bool ok = true;
    for (long i = 0; i < messages && ok; ++i) {
        uint32_t head = ring->head.load(std::memory_order_relaxed);
        ok = wait_on(ring->tail, ring->producer_waiting, [&] { return head - ring->tail.load() < Ring::kSlots; });
        memcpy(message, &i, sizeof(i));
        memcpy(ring->slots[head % Ring::kSlots], message, sizeof(message));
        ring->head.store(head + 1);
        wake(ring->head, ring->consumer_waiting);
    }
    if (!ok)
        kill(pid, SIGKILL);
    bool child = child_ok(pid);
    uint64_t ns = now_ns() - start;
    munmap(shared, sizeof(Ring));
    if (!ok || !child)
        return failed("ring transfer", EIO);
    return ns_per_op(messages, ns);
}

// tmpfs: a file written in 64 KiB chunks, then read back, in /tmp.
constexpr char kTmpFile[] = "/tmp/haneul_bench.data";

Result tmpfs_transfer(bool reading)
{
    long chunks = scaled(128); // 8 MiB at scale 1
    static char buffer[kChunk];
    memset(buffer, 't', sizeof(buffer));
    int fd = open(kTmpFile, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return failed("open /tmp", errno);
    uint64_t start = now_ns();
    bool ok = true;
    for (long i = 0; i < chunks && ok; ++i)
        ok = write_all(fd, buffer, sizeof(buffer));
    uint64_t ns = now_ns() - start;
    if (ok && reading) {
        ok = lseek(fd, 0, SEEK_SET) == 0;
        start = now_ns();
        for (long i = 0; i < chunks && ok; ++i)
            ok = read_all(fd, buffer, sizeof(buffer));
        ns = now_ns() - start;
    }
    int error = errno;
    close(fd);
    unlink(kTmpFile);
    if (!ok)
        return failed(reading ? "read" : "write", error ? error : EIO);
    return megabytes_per_second(chunks, uint64_t(chunks) * kChunk, ns);
}

Result bench_tmpfs_write() { return tmpfs_transfer(false); }
Result bench_tmpfs_read() { return tmpfs_transfer(true); }

struct Benchmark {
    const char* name;
    Result (*run)();
};

constexpr Benchmark kBenchmarks[] = {
    { "getppid", bench_getppid },
    { "pipe_rtt_proc", bench_pipe_rtt_proc },
    { "pipe_rtt_thread", bench_pipe_rtt_thread },
    { "pipe_rtt_cross_cpu", bench_pipe_rtt_cross_cpu },
    { "unix_stream_rtt", bench_unix_stream_rtt },
    { "sysv_msg_rtt", bench_sysv_msg_rtt },
    { "fork_exit_wait", bench_fork_exit_wait },
    { "fork_exec_wait", bench_fork_exec_wait },
    { "thread_create_join", bench_thread_create_join },
    { "page_fault", bench_page_fault },
    { "pipe_bandwidth", bench_pipe_bandwidth },
    { "shm_ring", bench_shm_ring },
    { "tmpfs_write", bench_tmpfs_write },
    { "tmpfs_read", bench_tmpfs_read },
};

void print_result(const char* name, Result const& r)
{
    char line[320];
    if (g_json) {
        switch (r.kind) {
        case Result::Kind::Measured:
            snprintf(line, sizeof(line), "BENCH {\"name\":\"%s\",\"iterations\":%ld,\"value\":%.3f,\"unit\":\"%s\"}\n",
                     name, r.iterations, r.value, r.unit);
            break;
        case Result::Kind::Unsupported:
            snprintf(line, sizeof(line), "BENCH {\"name\":\"%s\",\"unsupported\":\"%s\"}\n", name, r.reason);
            break;
        case Result::Kind::Skipped:
            snprintf(line, sizeof(line), "BENCH {\"name\":\"%s\",\"skipped\":\"%s\"}\n", name, r.reason);
            break;
        case Result::Kind::Failed:
            snprintf(line, sizeof(line), "BENCH {\"name\":\"%s\",\"error\":\"%s\"}\n", name, r.reason);
            break;
        }
    } else {
        switch (r.kind) {
        case Result::Kind::Measured:
            snprintf(line, sizeof(line), "%-20s %9ld iterations %12.1f %s\n", name, r.iterations, r.value, r.unit);
            break;
        case Result::Kind::Unsupported:
            snprintf(line, sizeof(line), "%-20s unsupported (%s)\n", name, r.reason);
            break;
        case Result::Kind::Skipped:
            snprintf(line, sizeof(line), "%-20s skipped (%s)\n", name, r.reason);
            break;
        case Result::Kind::Failed:
            snprintf(line, sizeof(line), "%-20s error (%s)\n", name, r.reason);
            break;
        }
    }
    // One write per line: on a console shared with kernel messages the line
    // stays whole.
    (void)!write(1, line, strlen(line));
}

// Runs one benchmark in a child process (and process group) of its own, so
// that a crash or a hang costs only its line; the child sends its Result
// through a pipe.
Result run_isolated(Benchmark const& b, int limit_seconds)
{
    int fds[2];
    if (pipe(fds) != 0)
        return failed("pipe", errno);
    pid_t pid = fork();
    if (pid < 0)
        return failed("fork", errno);
    if (pid == 0) {
        setpgid(0, 0);
        close(fds[0]);
        signal(SIGPIPE, SIG_IGN); // a reader that died reports EPIPE, not a silent exit
        Result r = b.run();
        (void)!write_all(fds[1], &r, sizeof(r));
        _exit(0);
    }
    setpgid(pid, pid);
    close(fds[1]);
    Result r;
    bool got = false;
    uint64_t deadline = now_ns() + uint64_t(limit_seconds) * 1000000000ull;
    // Poll for the result with a deadline (no alarm: the child's group is
    // what must die, and the parent keeps its own signals simple).
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    size_t have = 0;
    while (!got) {
        ssize_t n = read(fds[0], reinterpret_cast<char*>(&r) + have, sizeof(r) - have);
        if (n > 0) {
            have += size_t(n);
            got = have == sizeof(r);
            continue;
        }
        if (n == 0)
            break; // the child died without a result
        if (errno != EAGAIN && errno != EINTR)
            break;
        if (now_ns() > deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            r = Result {};
            snprintf(r.reason, sizeof(r.reason), "timeout after %d s", limit_seconds);
            waitpid(pid, nullptr, 0);
            close(fds[0]);
            return r;
        }
        timespec pause { 0, 2 * 1000 * 1000 };
        nanosleep(&pause, nullptr);
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    kill(-pid, SIGKILL); // helpers the benchmark left behind, if any
    if (!got) {
        r = Result {};
        if (WIFSIGNALED(status))
            snprintf(r.reason, sizeof(r.reason), "killed by signal %d", WTERMSIG(status));
        else
            snprintf(r.reason, sizeof(r.reason), "exited without a result");
    }
    return r;
}

bool selected(const char* only, const char* name)
{
    if (!only)
        return true;
    size_t length = strlen(name);
    for (const char* p = only; *p;) {
        const char* end = strchr(p, ',');
        size_t word = end ? size_t(end - p) : strlen(p);
        if (word == length && strncmp(p, name, length) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

int usage()
{
    fprintf(stderr, "usage: haneul_bench [--scale F] [--only NAME[,NAME...]] [--json] [--list]\n");
    return 2;
}

}

int main(int argc, char** argv)
{
    if (argc == 2 && strcmp(argv[1], "--exit-now") == 0)
        return 0;
    const char* only = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0) {
            g_json = true;
        } else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            g_scale = atof(argv[++i]);
            if (!(g_scale > 0))
                return usage();
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--list") == 0) {
            for (auto const& b : kBenchmarks)
                printf("%s\n", b.name);
            return 0;
        } else {
            return usage();
        }
    }
    if (only) {
        for (const char* p = only; *p;) {
            const char* end = strchr(p, ',');
            size_t word = end ? size_t(end - p) : strlen(p);
            bool known = false;
            for (auto const& b : kBenchmarks)
                known |= strlen(b.name) == word && strncmp(b.name, p, word) == 0;
            if (!known) {
                fprintf(stderr, "haneul_bench: no benchmark %.*s (--list names them)\n", int(word), p);
                return 2;
            }
            if (!end)
                break;
            p = end + 1;
        }
    }
    // The path fork_exec_wait runs: /proc/self/exe where there is one.
    static char self[4096];
    ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (length > 0) {
        self[length] = 0;
        g_self = self;
    } else {
        g_self = argv[0];
    }
    // Generous: scale 1 needs about a second per benchmark on either system.
    int limit = int(60 * (g_scale < 1 ? 1 : g_scale));
    for (auto const& b : kBenchmarks) {
        if (selected(only, b.name))
            print_result(b.name, run_isolated(b, limit));
    }
    if (g_json)
        (void)!write(1, "BENCH-END\n", 10);
    return 0;
}
