// Pipes and FIFOs against POSIX and Linux (CONCEPTS F6): PIPE_BUF
// atomicity with many writers, large transfers intact, blocking and
// O_NONBLOCK writes, EOF, EPIPE and SIGPIPE, the FIFO open rules,
// F_GETPIPE_SZ/F_SETPIPE_SZ, and many clients on one FIFO.
#include "guest_test.h"

#include <climits>
#include <cstdint>
#include <poll.h>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace {

// A FIFO path of its own for each test (removed first).
std::string fifo_path(const char* name)
{
    std::string path = std::string("/tmp/pipe_test_") + name;
    unlink(path.c_str());
    return path;
}

bool write_all(int fd, const void* data, size_t size)
{
    auto* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= n;
    }
    return true;
}

// Reads exactly `size` bytes unless EOF comes first; returns how many.
size_t read_full(int fd, void* data, size_t size)
{
    auto* p = static_cast<char*>(data);
    size_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, p + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += n;
    }
    return done;
}

// The stream both sides of a big transfer compute: xorshift bytes.
struct Pattern {
    uint64_t state { 0x9e3779b97f4a7c15ull };
    void fill(unsigned char* out, size_t size)
    {
        for (size_t i = 0; i < size; ++i) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            out[i] = static_cast<unsigned char>(state);
        }
    }
};

uint64_t fnv1a(uint64_t hash, const unsigned char* data, size_t size)
{
    for (size_t i = 0; i < size; ++i) {
        hash ^= data[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}

constexpr size_t kBigTransfer = 64ul << 20;

// Sends kBigTransfer pattern bytes into `fd` in odd-sized writes; exits.
[[noreturn]] void send_pattern(int fd)
{
    static unsigned char chunk[70001];
    Pattern pattern;
    size_t left = kBigTransfer;
    size_t sizes[] = { 70001, 4096, 1, 65536, 12345 };
    int turn = 0;
    while (left > 0) {
        size_t size = sizes[turn++ % 5];
        if (size > left)
            size = left;
        pattern.fill(chunk, size);
        if (!write_all(fd, chunk, size))
            _exit(3);
        left -= size;
    }
    _exit(0);
}

// Reads everything from `fd` until EOF; returns the byte count and checks
// the bytes against the pattern.
bool receive_pattern(int fd, size_t& total)
{
    static unsigned char chunk[65536];
    static unsigned char expected[65536];
    Pattern pattern;
    total = 0;
    uint64_t got_hash = 0xcbf29ce484222325ull, want_hash = got_hash;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0)
            break;
        pattern.fill(expected, n);
        got_hash = fnv1a(got_hash, chunk, n);
        want_hash = fnv1a(want_hash, expected, n);
        total += n;
    }
    return got_hash == want_hash;
}

}

TEST(pipe_buf_writes_from_8_writers_never_interleave)
{
    // Eight processes write PIPE_BUF-sized records at once; every record
    // must come out whole (Linux: writes of at most PIPE_BUF are atomic).
    int fds[2];
    EXPECT_OK(pipe(fds));
    constexpr int kWriters = 8;
    constexpr int kRecords = 64;
    fflush(stdout);
    for (int w = 0; w < kWriters; ++w) {
        if (fork() == 0) {
            close(fds[0]);
            static char record[PIPE_BUF];
            for (int r = 0; r < kRecords; ++r) {
                memset(record, 'A' + w, sizeof(record));
                record[0] = static_cast<char>(r);
                if (write(fds[1], record, sizeof(record)) != static_cast<ssize_t>(sizeof(record)))
                    _exit(1);
            }
            _exit(0);
        }
    }
    close(fds[1]);
    static char record[PIPE_BUF];
    int next[kWriters] = {};
    int records = 0;
    while (read_full(fds[0], record, sizeof(record)) == sizeof(record)) {
        int writer = record[1] - 'A';
        EXPECT(writer >= 0 && writer < kWriters);
        for (size_t i = 1; i < sizeof(record); ++i) {
            if (record[i] != 'A' + writer)
                EXPECT(!"a record was interleaved with another writer's");
        }
        EXPECT_EQ(record[0], next[writer]); // each writer's records in its order
        ++next[writer];
        ++records;
    }
    EXPECT_EQ(records, kWriters * kRecords);
    for (int w = 0; w < kWriters; ++w) {
        int status;
        EXPECT(wait(&status) > 0);
        EXPECT_EXITED(status, 0);
    }
    close(fds[0]);
}

TEST(sixty_four_mib_through_a_pipe_arrive_intact)
{
    int fds[2];
    EXPECT_OK(pipe(fds));
    fflush(stdout);
    pid_t writer = fork();
    if (writer == 0) {
        close(fds[0]);
        send_pattern(fds[1]);
    }
    close(fds[1]);
    size_t total = 0;
    EXPECT(receive_pattern(fds[0], total));
    EXPECT_EQ(total, kBigTransfer);
    int status;
    waitpid(writer, &status, 0);
    EXPECT_EXITED(status, 0);
    close(fds[0]);
}

TEST(sixty_four_mib_through_a_fifo_arrive_intact)
{
    std::string path = fifo_path("big");
    EXPECT_OK(mkfifo(path.c_str(), 0600));
    fflush(stdout);
    pid_t writer = fork();
    if (writer == 0) {
        int fd = open(path.c_str(), O_WRONLY); // waits for the reader
        if (fd < 0)
            _exit(2);
        send_pattern(fd);
    }
    int fd = EXPECT_OK(open(path.c_str(), O_RDONLY)); // waits for the writer
    size_t total = 0;
    EXPECT(receive_pattern(fd, total));
    EXPECT_EQ(total, kBigTransfer);
    int status;
    waitpid(writer, &status, 0);
    EXPECT_EXITED(status, 0);
    close(fd);
    unlink(path.c_str());
}

TEST(eof_comes_when_the_last_writer_closes)
{
    int fds[2];
    EXPECT_OK(pipe(fds));
    int second = EXPECT_OK(dup(fds[1]));
    EXPECT_EQ(write(fds[1], "ab", 2), 2);
    close(fds[1]);
    char buffer[8];
    EXPECT_EQ(read(fds[0], buffer, sizeof(buffer)), 2);
    // A writer is left: a non-blocking read says "not yet", not EOF.
    EXPECT_OK(fcntl(fds[0], F_SETFL, O_NONBLOCK));
    EXPECT_ERRNO(read(fds[0], buffer, sizeof(buffer)), EAGAIN);
    close(second);
    EXPECT_EQ(read(fds[0], buffer, sizeof(buffer)), 0);
    close(fds[0]);
}

TEST(writing_with_no_reader_is_epipe_and_sigpipe)
{
    int fds[2];
    EXPECT_OK(pipe(fds));
    close(fds[0]);
    int status = guest_test::in_child([&] {
        (void)write(fds[1], "x", 1); // SIGPIPE's default action kills
    });
    EXPECT_SIGNALED(status, SIGPIPE);
    status = guest_test::in_child([&] {
        signal(SIGPIPE, SIG_IGN);
        EXPECT_ERRNO(write(fds[1], "x", 1), EPIPE);
    });
    EXPECT_EXITED(status, 0);
    close(fds[1]);
}

TEST(nonblocking_writes_are_all_or_nothing_up_to_pipe_buf_and_partial_beyond)
{
    int fds[2];
    EXPECT_OK(pipe2(fds, O_NONBLOCK));
    int capacity = EXPECT_OK(fcntl(fds[1], F_GETPIPE_SZ));
    EXPECT_EQ(capacity, 65536);
    // Two pages of room left (Linux's pipe is a ring of pages; keeping to
    // whole pages makes the rule the same for both).
    std::vector<char> fill(capacity - 2 * PIPE_BUF, 'f');
    EXPECT_EQ(write(fds[1], fill.data(), fill.size()), static_cast<ssize_t>(fill.size()));
    // A write larger than PIPE_BUF takes what fits.
    std::vector<char> large(3 * PIPE_BUF, 'l');
    EXPECT_EQ(write(fds[1], large.data(), large.size()), 2 * PIPE_BUF);
    std::vector<char> small(PIPE_BUF, 's');
    EXPECT_ERRNO(write(fds[1], small.data(), small.size()), EAGAIN);
    pollfd writable { fds[1], POLLOUT, 0 };
    EXPECT_EQ(poll(&writable, 1, 0), 0);
    // Some room, less than PIPE_BUF: a PIPE_BUF write does not split.
    std::vector<char> sink(PIPE_BUF);
    EXPECT_EQ(read(fds[0], sink.data(), 100), 100);
    EXPECT_ERRNO(write(fds[1], small.data(), small.size()), EAGAIN);
    // A page's worth of room: it goes in whole.
    EXPECT_EQ(read(fds[0], sink.data(), PIPE_BUF - 100), PIPE_BUF - 100);
    EXPECT_EQ(write(fds[1], small.data(), small.size()), PIPE_BUF);
    close(fds[0]);
    close(fds[1]);
}

TEST(blocking_large_write_waits_for_the_reader_and_goes_in_whole)
{
    int fds[2];
    EXPECT_OK(pipe(fds));
    constexpr size_t kSize = 300000; // several times the capacity
    fflush(stdout);
    pid_t writer = fork();
    if (writer == 0) {
        static char data[kSize];
        for (size_t i = 0; i < kSize; ++i)
            data[i] = static_cast<char>(i * 31);
        _exit(write(fds[1], data, kSize) == static_cast<ssize_t>(kSize) ? 0 : 1);
    }
    close(fds[1]);
    static char data[kSize];
    EXPECT_EQ(read_full(fds[0], data, kSize), kSize);
    for (size_t i = 0; i < kSize; ++i) {
        if (data[i] != static_cast<char>(i * 31))
            EXPECT(!"data corrupted");
    }
    int status;
    waitpid(writer, &status, 0);
    EXPECT_EXITED(status, 0);
    close(fds[0]);
}

TEST(fifo_open_rules)
{
    std::string path = fifo_path("rules");
    EXPECT_OK(mkfifo(path.c_str(), 0600));
    // No reader: a non-blocking writer cannot open.
    EXPECT_ERRNO(open(path.c_str(), O_WRONLY | O_NONBLOCK), ENXIO);
    // A non-blocking reader opens at once, and then a writer may.
    int reader = EXPECT_OK(open(path.c_str(), O_RDONLY | O_NONBLOCK));
    int writer = EXPECT_OK(open(path.c_str(), O_WRONLY | O_NONBLOCK));
    EXPECT_EQ(write(writer, "hi", 2), 2);
    char buffer[8];
    EXPECT_EQ(read(reader, buffer, sizeof(buffer)), 2);
    close(writer);
    EXPECT_EQ(read(reader, buffer, sizeof(buffer)), 0); // the writer came and went
    close(reader);
    // O_RDWR never waits: it is both sides.
    int both = EXPECT_OK(open(path.c_str(), O_RDWR));
    EXPECT_EQ(write(both, "rw", 2), 2);
    EXPECT_EQ(read(both, buffer, sizeof(buffer)), 2);
    close(both);

    // A blocking reader waits until a writer opens, and the other way round.
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        int fd = open(path.c_str(), O_WRONLY); // waits for the parent's reader
        if (fd < 0 || write(fd, "from writer", 11) != 11)
            _exit(1);
        close(fd);
        fd = open(path.c_str(), O_RDONLY); // waits for the parent's writer
        char text[16] = {};
        if (fd < 0 || read_full(fd, text, 11) != 11 || memcmp(text, "from reader", 11) != 0)
            _exit(2);
        _exit(0);
    }
    reader = EXPECT_OK(open(path.c_str(), O_RDONLY));
    char text[16] = {};
    EXPECT_EQ(read_full(reader, text, 11), 11u);
    EXPECT(memcmp(text, "from writer", 11) == 0);
    EXPECT_EQ(read(reader, text, sizeof(text)), 0);
    close(reader);
    writer = EXPECT_OK(open(path.c_str(), O_WRONLY));
    EXPECT_EQ(write(writer, "from reader", 11), 11);
    close(writer);
    int status;
    waitpid(child, &status, 0);
    EXPECT_EXITED(status, 0);
    unlink(path.c_str());
}

TEST(f_setpipe_sz_rounds_up_refuses_to_lose_data_and_guards_the_maximum)
{
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_EQ(fcntl(fds[0], F_GETPIPE_SZ), 65536);
    EXPECT_EQ(fcntl(fds[1], F_SETPIPE_SZ, 5000), 8192); // a power of two of pages
    EXPECT_EQ(fcntl(fds[0], F_GETPIPE_SZ), 8192);       // one pipe, both ends
    EXPECT_EQ(fcntl(fds[1], F_SETPIPE_SZ, 1), 4096);
    EXPECT_EQ(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
    std::vector<char> data(20000, 'd');
    EXPECT_EQ(write(fds[1], data.data(), data.size()), 20000);
    EXPECT_ERRNO(fcntl(fds[1], F_SETPIPE_SZ, 8192), EBUSY); // 20000 bytes would not fit
    EXPECT_EQ(fcntl(fds[1], F_SETPIPE_SZ, 32768), 32768);
    std::vector<char> back(20000);
    EXPECT_EQ(read_full(fds[0], back.data(), back.size()), 20000u);
    EXPECT(back == data); // resizing kept the data in order
    EXPECT_ERRNO(fcntl(fds[1], F_SETPIPE_SZ, -1), EINVAL);
    // Past /proc/sys/fs/pipe-max-size only a privileged process may go.
    long max_size = 1 << 20;
    if (FILE* file = fopen("/proc/sys/fs/pipe-max-size", "r")) {
        if (fscanf(file, "%ld", &max_size) != 1)
            max_size = 1 << 20;
        fclose(file);
    }
    if (geteuid() == 0) {
        int status = guest_test::in_child([&] {
            EXPECT_OK(setuid(65534));
            EXPECT_ERRNO(fcntl(fds[1], F_SETPIPE_SZ, max_size * 2), EPERM);
            EXPECT_EQ(fcntl(fds[1], F_SETPIPE_SZ, max_size), max_size);
        });
        EXPECT_EXITED(status, 0);
    }
    int null = EXPECT_OK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(fcntl(null, F_GETPIPE_SZ), EBADF);
    close(null);
    close(fds[0]);
    close(fds[1]);
}

TEST(many_clients_on_one_fifo)
{
    // A server reads a well-known FIFO; sixteen clients open it, each sends
    // its requests as PIPE_BUF-or-smaller records, and closes. Every
    // record arrives whole and the server sees EOF only after the last.
    std::string path = fifo_path("server");
    EXPECT_OK(mkfifo(path.c_str(), 0622));
    constexpr int kClients = 16;
    constexpr int kRequests = 20;
    struct Request {
        int client;
        int sequence;
        char payload[120];
    };
    fflush(stdout);
    std::vector<pid_t> clients;
    for (int c = 0; c < kClients; ++c) {
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open(path.c_str(), O_WRONLY);
            if (fd < 0)
                _exit(1);
            for (int r = 0; r < kRequests; ++r) {
                Request request {};
                request.client = c;
                request.sequence = r;
                memset(request.payload, 'a' + c, sizeof(request.payload));
                if (write(fd, &request, sizeof(request)) != static_cast<ssize_t>(sizeof(request)))
                    _exit(2);
            }
            _exit(0);
        }
        clients.push_back(pid);
    }
    // O_RDWR keeps a writer of our own until every client has opened:
    // otherwise an early client's close could look like the end.
    int server = EXPECT_OK(open(path.c_str(), O_RDWR));
    int next[kClients] = {};
    int received = 0;
    while (received < kClients * kRequests) {
        Request request;
        EXPECT_EQ(read_full(server, &request, sizeof(request)), sizeof(request));
        EXPECT(request.client >= 0 && request.client < kClients);
        EXPECT_EQ(request.sequence, next[request.client]);
        for (char c : request.payload)
            EXPECT_EQ(c, 'a' + request.client);
        ++next[request.client];
        ++received;
    }
    for (pid_t pid : clients) {
        int status;
        waitpid(pid, &status, 0);
        EXPECT_EXITED(status, 0);
    }
    close(server);
    unlink(path.c_str());
}

int main()
{
    return guest_test::run_tests();
}
