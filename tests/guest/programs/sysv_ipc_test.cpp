// /tests/bin/sysv_ipc_test: System V IPC (CONCEPTS F1 shared memory, F6
// message queues, F7 semaphores), checked the same on Linux and on Haneul:
// every call with the errno Linux gives for bad input; segments shared
// across fork, detached at exit and exec, alive after IPC_RMID until the
// last detach; messages selected by type (0, >0, <0, MSG_EXCEPT) between
// several processes, a sender blocked on a full queue; atomic multi-op
// semop, SEM_UNDO applied at exit, GETNCNT/GETZCNT; a shared-memory ring
// guarded by semaphores carrying 64 MiB with a checksum; EIDRM for blocked
// waiters, EINTR for signals; EACCES/EPERM for another user; /proc/sysvipc
// and the limits in /proc/sys/kernel, read through busybox as well.
//
// Objects get their keys from ftok() on files of a private directory, so
// runs never meet each other's objects; every test removes what it made.
#include "guest_test.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>

namespace {

// glibc leaves union semun to the program.
union semun {
    int val;
    struct semid_ds* buf;
    unsigned short* array;
    struct seminfo* __buf;
};

std::string g_directory;

// A fresh key: ftok of a new file (ftok only stat()s it).
key_t fresh_key()
{
    static int serial = 0;
    if (g_directory.empty()) {
        char pattern[] = "/tmp/sysv_ipc_XXXXXX";
        char* made = mkdtemp(pattern);
        g_directory = made ? made : "/tmp";
    }
    std::string path = g_directory + "/key" + std::to_string(++serial);
    int fd = open(path.c_str(), O_CREAT | O_WRONLY, 0600);
    if (fd >= 0)
        close(fd);
    return ftok(path.c_str(), 'H');
}

std::string read_file(const char* path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return "<cannot open>";
    std::string text;
    char buffer[4096];
    ssize_t got;
    while ((got = read(fd, buffer, sizeof(buffer))) > 0)
        text.append(buffer, static_cast<size_t>(got));
    close(fd);
    return text;
}

bool contains(std::string const& text, std::string const& part) { return text.find(part) != std::string::npos; }

// The state letter of /proc/<pid>/stat.
char process_state(pid_t pid)
{
    std::string stat = read_file(("/proc/" + std::to_string(pid) + "/stat").c_str());
    size_t paren = stat.rfind(')');
    return paren == std::string::npos || paren + 2 >= stat.size() ? '?' : stat[paren + 2];
}

// Waits until `pid` sleeps (it is then blocked in the call it was about
// to make); false if it never does.
bool wait_until_sleeping(pid_t pid)
{
    for (int i = 0; i < 2000; ++i) {
        if (process_state(pid) == 'S') {
            usleep(20000); // and has surely gone all the way into the wait
            return process_state(pid) == 'S';
        }
        usleep(5000);
    }
    return false;
}

// Polls `condition` for up to ~20 s (no timing assert: only "eventually").
template<typename Condition>
bool eventually(Condition condition)
{
    for (int i = 0; i < 4000; ++i) {
        if (condition())
            return true;
        usleep(5000);
    }
    return condition();
}

unsigned long attachments(int id)
{
    struct shmid_ds ds {};
    if (shmctl(id, IPC_STAT, &ds) != 0)
        return ~0ul;
    return ds.shm_nattch;
}

int wait_for(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

void nothing(int) { }

struct TestMessage {
    long type;
    char text[64];
};

}

// ---- shared memory ----

TEST(shmget_errors)
{
    key_t key = fresh_key();
    EXPECT_ERRNO(shmget(key, 4096, 0600), ENOENT); // no IPC_CREAT
    EXPECT_ERRNO(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    int id = EXPECT_OK(shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0600));
    EXPECT_ERRNO(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    EXPECT_ERRNO(shmget(key, 3 * 4096, 0600), EINVAL); // bigger than the segment
    EXPECT_EQ(shmget(key, 100, 0600), id);
    EXPECT_EQ(shmget(key, 0, 0), id);
    EXPECT_ERRNO(shmat(id + 1, nullptr, 0), EINVAL);
    EXPECT_ERRNO(shmat(-1, nullptr, 0), EINVAL);
    EXPECT_ERRNO(shmat(id, reinterpret_cast<void*>(0x10000123), 0), EINVAL); // not aligned, no SHM_RND
    EXPECT_ERRNO(shmat(id, nullptr, SHM_REMAP), EINVAL);
    int local = 0;
    EXPECT_ERRNO(shmdt(&local), EINVAL);
    EXPECT_ERRNO(shmdt(reinterpret_cast<char*>(&local) + 1), EINVAL);
    EXPECT_ERRNO(shmctl(id, 12345, nullptr), EINVAL);
    EXPECT_ERRNO(shmctl(-1, IPC_STAT, nullptr), EINVAL);
    EXPECT_ERRNO(shmctl(id, IPC_STAT, guest_test::bad_pointer<struct shmid_ds>(8)), EFAULT);
    EXPECT_ERRNO(shmctl(id, IPC_SET, guest_test::bad_pointer<struct shmid_ds>(8)), EFAULT);
    EXPECT_OK(shmctl(id, IPC_RMID, nullptr));
    EXPECT_ERRNO(shmctl(id, IPC_STAT, nullptr), EINVAL);
    EXPECT_ERRNO(shmctl(id, IPC_RMID, nullptr), EINVAL);
    EXPECT_ERRNO(shmget(key, 4096, 0600), ENOENT);
}

TEST(shm_shared_across_fork_and_detached_at_exit)
{
    int id = EXPECT_OK(shmget(IPC_PRIVATE, 3 * 4096, IPC_CREAT | 0640));
    struct shmid_ds ds {};
    EXPECT_OK(shmctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.shm_segsz, 3 * 4096);
    EXPECT_EQ(ds.shm_nattch, 0);
    EXPECT_EQ(ds.shm_cpid, getpid());
    EXPECT_EQ(ds.shm_perm.mode & 0777, 0640);
    EXPECT_EQ(ds.shm_perm.cuid, geteuid());
    EXPECT_EQ(ds.shm_perm.__key, IPC_PRIVATE);
    auto* memory = static_cast<volatile int*>(shmat(id, nullptr, 0));
    EXPECT(memory != reinterpret_cast<void*>(-1));
    EXPECT_EQ(memory[0], 0); // zero-filled
    memory[0] = 1234;
    memory[3 * 1024 - 1] = 99;
    EXPECT_EQ(attachments(id), 1);
    EXPECT_OK(shmctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.shm_lpid, getpid());
    EXPECT(ds.shm_atime != 0);

    int to_child[2], to_parent[2];
    EXPECT_OK(pipe(to_child));
    EXPECT_OK(pipe(to_parent));
    pid_t child = fork();
    if (child == 0) {
        char byte;
        // The child's copy of the attachment sees and changes the same memory.
        int ok = memory[0] == 1234 && memory[3 * 1024 - 1] == 99;
        memory[1] = 5678;
        if (write(to_parent[1], &ok, sizeof(ok)) != sizeof(ok))
            _exit(2);
        if (read(to_child[0], &byte, 1) != 1)
            _exit(3);
        _exit(0); // detaches
    }
    int ok = 0;
    EXPECT_EQ(read(to_parent[0], &ok, sizeof(ok)), static_cast<ssize_t>(sizeof(ok)));
    EXPECT_EQ(ok, 1);
    EXPECT_EQ(memory[1], 5678);
    EXPECT_EQ(attachments(id), 2); // fork attached it again
    EXPECT_EQ(write(to_child[1], "x", 1), 1);
    EXPECT_EXITED(wait_for(child), 0);
    EXPECT_EQ(attachments(id), 1); // exit detached it
    for (int fd : { to_child[0], to_child[1], to_parent[0], to_parent[1] })
        close(fd);
    EXPECT_OK(shmdt(const_cast<int*>(memory)));
    EXPECT_EQ(attachments(id), 0);
    EXPECT_OK(shmctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.shm_lpid, getpid());
    EXPECT(ds.shm_dtime != 0);
    EXPECT_OK(shmctl(id, IPC_RMID, nullptr));
}

TEST(shm_detached_at_exec)
{
    if (access("/bin/busybox", X_OK) != 0)
        SKIP("no /bin/busybox to exec");
    int id = EXPECT_OK(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600));
    void* memory = shmat(id, nullptr, 0);
    EXPECT(memory != reinterpret_cast<void*>(-1));
    int gate[2];
    EXPECT_OK(pipe(gate));
    pid_t child = fork();
    if (child == 0) {
        // busybox head waits for the parent's byte on stdin: the child
        // lives on, in a new program with no attachment.
        dup2(gate[0], 0);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        close(gate[0]);
        close(gate[1]);
        execl("/bin/busybox", "head", "-c", "1", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(gate[0]);
    bool dropped = eventually([&] { return attachments(id) == 1; });
    EXPECT_EQ(write(gate[1], "x\n", 2), 2);
    close(gate[1]);
    int status = wait_for(child);
    EXPECT(dropped);
    EXPECT_EXITED(status, 0);
    EXPECT_OK(shmdt(memory));
    EXPECT_OK(shmctl(id, IPC_RMID, nullptr));
}

TEST(shm_removed_segment_lives_until_last_detach)
{
    key_t key = fresh_key();
    int id = EXPECT_OK(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600));
    auto* memory = static_cast<volatile char*>(shmat(id, nullptr, 0));
    EXPECT(memory != reinterpret_cast<void*>(-1));
    memory[10] = 'q';
    EXPECT_OK(shmctl(id, IPC_RMID, nullptr));
    // Still there, marked for destruction, no longer found by its key.
    struct shmid_ds ds {};
    EXPECT_OK(shmctl(id, IPC_STAT, &ds));
    EXPECT(ds.shm_perm.mode & SHM_DEST);
    EXPECT_EQ(ds.shm_perm.__key, IPC_PRIVATE);
    EXPECT_EQ(ds.shm_nattch, 1);
    EXPECT_ERRNO(shmget(key, 4096, 0600), ENOENT);
    EXPECT_OK(shmctl(id, IPC_RMID, nullptr)); // marking it again is harmless
    EXPECT_EQ(memory[10], 'q');
    int status = guest_test::in_child([&] { EXPECT_EQ(memory[10], 'q'); memory[11] = 'r'; });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(memory[11], 'r');
    // Linux lets a removed segment be attached again while it lives.
    void* again = shmat(id, nullptr, SHM_RDONLY);
    EXPECT(again != reinterpret_cast<void*>(-1));
    EXPECT_EQ(static_cast<char*>(again)[10], 'q');
    EXPECT_EQ(attachments(id), 2);
    EXPECT_OK(shmdt(again));
    EXPECT_OK(shmdt(const_cast<char*>(memory)));
    EXPECT_ERRNO(shmctl(id, IPC_STAT, &ds), EINVAL); // gone with the last detach
    // A new segment under the same key is a new one.
    int other = EXPECT_OK(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600));
    EXPECT_NE(other, id);
    EXPECT_OK(shmctl(other, IPC_RMID, nullptr));
}

TEST(shm_read_only_addresses_and_remap)
{
    int id = EXPECT_OK(shmget(IPC_PRIVATE, 2 * 4096, IPC_CREAT | 0600));
    // A free place: reserve it, then give it back.
    void* hole = mmap(nullptr, 8 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(hole != MAP_FAILED);
    EXPECT_OK(munmap(hole, 8 * 4096));
    char* where = static_cast<char*>(hole) + 4096;
    char* at = static_cast<char*>(shmat(id, where, 0));
    EXPECT(at == where);
    at[0] = 'w';
    // Occupied: EINVAL without SHM_REMAP.
    EXPECT_ERRNO(shmat(id, where, 0), EINVAL);
    // SHM_RND rounds down to the page.
    char* rounded = static_cast<char*>(shmat(id, where + 4 * 4096 + 123, SHM_RND));
    EXPECT(rounded == where + 4 * 4096);
    EXPECT_EQ(rounded[0], 'w');
    EXPECT_EQ(attachments(id), 2);
    EXPECT_OK(shmdt(rounded));
    // SHM_REMAP replaces what is there, read-only this time.
    char* remapped = static_cast<char*>(shmat(id, where, SHM_REMAP | SHM_RDONLY));
    EXPECT(remapped == where);
    EXPECT_EQ(remapped[0], 'w');
    EXPECT_ERRNO(mprotect(remapped, 4096, PROT_READ | PROT_WRITE), EACCES);
    int status = guest_test::in_child([&] {
        signal(SIGSEGV, SIG_DFL);
        *const_cast<volatile char*>(remapped) = 'x'; // read-only: killed
    });
    EXPECT_SIGNALED(status, SIGSEGV);
    EXPECT_EQ(attachments(id), 1);
    EXPECT_ERRNO(shmdt(where + 4096), EINVAL); // not where an attachment starts
    EXPECT_OK(shmdt(where));
    EXPECT_EQ(attachments(id), 0);
    EXPECT_OK(shmctl(id, IPC_RMID, nullptr));
}

TEST(shm_set_info_and_stat_for_ipcs)
{
    key_t key = fresh_key();
    int id = EXPECT_OK(shmget(key, 10000, IPC_CREAT | IPC_EXCL | 0600));
    struct shmid_ds ds {};
    EXPECT_OK(shmctl(id, IPC_STAT, &ds));
    ds.shm_perm.mode = 0644;
    EXPECT_OK(shmctl(id, IPC_SET, &ds));
    EXPECT_OK(shmctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.shm_perm.mode & 0777, 0644);
    EXPECT_EQ(ds.shm_perm.__key, key);

    struct shminfo limits {};
    int highest = EXPECT_OK(shmctl(0, IPC_INFO, reinterpret_cast<struct shmid_ds*>(&limits)));
    EXPECT_EQ(limits.shmmni, 4096);
    EXPECT_EQ(limits.shmmin, 1);
    EXPECT(limits.shmmax >= 1ul << 30);
    struct shm_info usage {};
    EXPECT_EQ(shmctl(0, SHM_INFO, reinterpret_cast<struct shmid_ds*>(&usage)), highest);
    EXPECT_GE(usage.used_ids, 1);
    EXPECT_GE(usage.shm_tot, 3); // pages
    // SHM_STAT takes an index and answers with the identifier.
    bool found = false;
    for (int index = 0; index <= highest; ++index) {
        int stat_id = shmctl(index, SHM_STAT, &ds);
        if (stat_id == id) {
            found = true;
            EXPECT_EQ(ds.shm_segsz, 10000);
            EXPECT_EQ(ds.shm_perm.__key, key);
        }
    }
    EXPECT(found);
    EXPECT_ERRNO(shmctl(highest + 1, SHM_STAT, &ds), EINVAL);
    EXPECT_OK(shmctl(id, IPC_RMID, nullptr));
}

// ---- message queues ----

TEST(msg_errors)
{
    key_t key = fresh_key();
    EXPECT_ERRNO(msgget(key, 0600), ENOENT);
    int id = EXPECT_OK(msgget(key, IPC_CREAT | IPC_EXCL | 0600));
    EXPECT_ERRNO(msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    EXPECT_EQ(msgget(key, 0), id);
    TestMessage message { 0, "zero" };
    EXPECT_ERRNO(msgsnd(id, &message, 5, 0), EINVAL); // type < 1
    message.type = 1;
    EXPECT_ERRNO(msgsnd(id, &message, 8193, 0), EINVAL); // over msgmax
    EXPECT_ERRNO(msgsnd(id, &message, static_cast<size_t>(-1), 0), EINVAL);
    EXPECT_ERRNO(msgsnd(-1, &message, 5, 0), EINVAL);
    EXPECT_ERRNO(msgsnd(id + 1, &message, 5, 0), EINVAL);
    EXPECT_ERRNO(msgsnd(id, guest_test::bad_pointer<void>(16), 5, 0), EFAULT);
    EXPECT_ERRNO(msgrcv(id, &message, sizeof(message.text), 0, IPC_NOWAIT), ENOMSG);
    EXPECT_ERRNO(msgrcv(id, &message, static_cast<size_t>(-1), 0, IPC_NOWAIT), EINVAL);
    EXPECT_ERRNO(msgrcv(-1, &message, sizeof(message.text), 0, IPC_NOWAIT), EINVAL);
    TestMessage big { 7, "a message longer than four bytes" };
    EXPECT_OK(msgsnd(id, &big, strlen(big.text) + 1, 0));
    TestMessage small {};
    EXPECT_ERRNO(msgrcv(id, &small, 4, 0, IPC_NOWAIT), E2BIG); // stays queued
    EXPECT_ERRNO(msgrcv(id, &small, sizeof(small.text), 8, IPC_NOWAIT), ENOMSG);
    struct msqid_ds ds {};
    EXPECT_OK(msgctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.msg_qnum, 1);
    EXPECT_EQ(ds.msg_cbytes, strlen(big.text) + 1);
    EXPECT_EQ(ds.msg_lspid, getpid());
    EXPECT_EQ(ds.msg_qbytes, 16384);
    // MSG_NOERROR truncates.
    EXPECT_EQ(msgrcv(id, &small, 4, 0, IPC_NOWAIT | MSG_NOERROR), 4);
    EXPECT_EQ(small.type, 7);
    EXPECT_EQ(memcmp(small.text, "a me", 4), 0);
    EXPECT_OK(msgctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.msg_qnum, 0);
    EXPECT_EQ(ds.msg_cbytes, 0);
    EXPECT_EQ(ds.msg_lrpid, getpid());
    EXPECT_ERRNO(msgctl(id, 12345, &ds), EINVAL);
    EXPECT_ERRNO(msgctl(id, IPC_STAT, guest_test::bad_pointer<struct msqid_ds>(8)), EFAULT);
    // IPC_RMID frees what is queued.
    EXPECT_OK(msgsnd(id, &big, 10, 0));
    EXPECT_OK(msgctl(id, IPC_RMID, nullptr));
    EXPECT_ERRNO(msgsnd(id, &big, 10, 0), EINVAL);
    EXPECT_ERRNO(msgctl(id, IPC_STAT, &ds), EINVAL);
}

TEST(msg_receive_by_type)
{
    int id = EXPECT_OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    long types[] = { 3, 1, 2, 1, 5, 2 };
    for (int i = 0; i < 6; ++i) {
        TestMessage message { types[i], {} };
        snprintf(message.text, sizeof(message.text), "m%d", i);
        EXPECT_OK(msgsnd(id, &message, 3, 0));
    }
    TestMessage got {};
    // msgtyp > 0: the first of that type.
    EXPECT_EQ(msgrcv(id, &got, sizeof(got.text), 1, 0), 3);
    EXPECT_STREQ(got.text, "m1");
    // MSG_EXCEPT: the first of any other type.
    EXPECT_EQ(msgrcv(id, &got, sizeof(got.text), 3, MSG_EXCEPT), 3);
    EXPECT_STREQ(got.text, "m2");
    // msgtyp < 0: the lowest type not above |msgtyp|, first of its kind.
    EXPECT_EQ(msgrcv(id, &got, sizeof(got.text), -4, 0), 3);
    EXPECT_STREQ(got.text, "m3");
    EXPECT_EQ(got.type, 1);
    EXPECT_EQ(msgrcv(id, &got, sizeof(got.text), -4, 0), 3);
    EXPECT_STREQ(got.text, "m5");
    EXPECT_EQ(msgrcv(id, &got, sizeof(got.text), -4, 0), 3);
    EXPECT_STREQ(got.text, "m0");
    EXPECT_ERRNO(msgrcv(id, &got, sizeof(got.text), -4, IPC_NOWAIT), ENOMSG);
    // msgtyp 0: the first, whatever its type.
    EXPECT_EQ(msgrcv(id, &got, sizeof(got.text), 0, 0), 3);
    EXPECT_STREQ(got.text, "m4");
    EXPECT_EQ(got.type, 5);
    EXPECT_OK(msgctl(id, IPC_RMID, nullptr));
}

TEST(msg_producers_and_consumer)
{
    // Three producers, each its own type, into a queue of 200 bytes: they
    // block when it is full. The consumer takes the lowest type first
    // (msgtyp < 0) and checks each producer's messages come in order.
    int id = EXPECT_OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    struct msqid_ds ds {};
    EXPECT_OK(msgctl(id, IPC_STAT, &ds));
    ds.msg_qbytes = 200;
    EXPECT_OK(msgctl(id, IPC_SET, &ds));
    EXPECT_OK(msgctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.msg_qbytes, 200);
    constexpr int kProducers = 3;
    constexpr int kEach = 300;
    pid_t producers[kProducers];
    for (int p = 0; p < kProducers; ++p) {
        producers[p] = fork();
        if (producers[p] == 0) {
            for (int i = 0; i < kEach; ++i) {
                TestMessage message { p + 1, {} };
                memcpy(message.text, &i, sizeof(i));
                if (msgsnd(id, &message, 16, 0) != 0)
                    _exit(1);
            }
            _exit(0);
        }
    }
    int next[kProducers] = {};
    long last_type = 0;
    bool in_order = true;
    for (int n = 0; n < kProducers * kEach; ++n) {
        TestMessage message {};
        if (msgrcv(id, &message, sizeof(message.text), -kProducers, 0) != 16) {
            in_order = false;
            break;
        }
        int value;
        memcpy(&value, message.text, sizeof(value));
        int p = static_cast<int>(message.type) - 1;
        if (p < 0 || p >= kProducers || value != next[p]) {
            in_order = false;
            break;
        }
        ++next[p];
        last_type = message.type;
    }
    (void)last_type;
    for (int p = 0; p < kProducers; ++p)
        EXPECT_EXITED(wait_for(producers[p]), 0);
    EXPECT(in_order);
    for (int p = 0; p < kProducers; ++p)
        EXPECT_EQ(next[p], kEach);
    EXPECT_OK(msgctl(id, IPC_STAT, &ds));
    EXPECT_EQ(ds.msg_qnum, 0);
    EXPECT_OK(msgctl(id, IPC_RMID, nullptr));
}

TEST(msg_sender_blocks_on_full_queue)
{
    int id = EXPECT_OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    struct msqid_ds ds {};
    EXPECT_OK(msgctl(id, IPC_STAT, &ds));
    ds.msg_qbytes = 100;
    EXPECT_OK(msgctl(id, IPC_SET, &ds));
    TestMessage message { 1, "fill" };
    EXPECT_OK(msgsnd(id, &message, 60, 0));
    EXPECT_ERRNO(msgsnd(id, &message, 60, IPC_NOWAIT), EAGAIN);
    pid_t child = fork();
    if (child == 0) {
        TestMessage second { 2, "second" };
        _exit(msgsnd(id, &second, 60, 0) == 0 ? 0 : 1);
    }
    EXPECT(wait_until_sleeping(child));
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, WNOHANG), 0); // still blocked
    TestMessage got {};
    EXPECT_EQ(msgrcv(id, &got, sizeof(got.text), 0, 0), 60);
    EXPECT_EXITED(wait_for(child), 0);
    EXPECT_EQ(msgrcv(id, &got, sizeof(got.text), 0, 0), 60);
    EXPECT_STREQ(got.text, "second");
    EXPECT_OK(msgctl(id, IPC_RMID, nullptr));
}

TEST(msg_removed_queue_wakes_receiver_with_eidrm)
{
    int id = EXPECT_OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    pid_t child = fork();
    if (child == 0) {
        TestMessage got {};
        ssize_t result = msgrcv(id, &got, sizeof(got.text), 0, 0);
        _exit(result == -1 && errno == EIDRM ? 0 : 1);
    }
    EXPECT(wait_until_sleeping(child));
    EXPECT_OK(msgctl(id, IPC_RMID, nullptr));
    EXPECT_EXITED(wait_for(child), 0);
}

TEST(msg_receive_interrupted_by_signal)
{
    int id = EXPECT_OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    pid_t child = fork();
    if (child == 0) {
        struct sigaction action {};
        action.sa_handler = nothing;
        action.sa_flags = SA_RESTART; // System V calls never restart
        sigaction(SIGUSR1, &action, nullptr);
        TestMessage got {};
        ssize_t result = msgrcv(id, &got, sizeof(got.text), 0, 0);
        _exit(result == -1 && errno == EINTR ? 0 : 1);
    }
    EXPECT(wait_until_sleeping(child));
    EXPECT_OK(kill(child, SIGUSR1));
    EXPECT_EXITED(wait_for(child), 0);
    EXPECT_OK(msgctl(id, IPC_RMID, nullptr));
}

TEST(msg_info_and_stat_for_ipcs)
{
    key_t key = fresh_key();
    int id = EXPECT_OK(msgget(key, IPC_CREAT | IPC_EXCL | 0640));
    TestMessage message { 4, "info" };
    EXPECT_OK(msgsnd(id, &message, 5, 0));
    struct msginfo info {};
    int highest = EXPECT_OK(msgctl(0, IPC_INFO, reinterpret_cast<struct msqid_ds*>(&info)));
    EXPECT_EQ(info.msgmax, 8192);
    EXPECT_EQ(info.msgmnb, 16384);
    EXPECT_EQ(info.msgmni, 32000);
    EXPECT_EQ(msgctl(0, MSG_INFO, reinterpret_cast<struct msqid_ds*>(&info)), highest);
    EXPECT_GE(info.msgpool, 1); // queues in use
    EXPECT_GE(info.msgmap, 1);  // messages
    EXPECT_GE(info.msgtql, 5);  // bytes
    bool found = false;
    struct msqid_ds ds {};
    for (int index = 0; index <= highest; ++index) {
        if (msgctl(index, MSG_STAT, &ds) == id) {
            found = true;
            EXPECT_EQ(ds.msg_perm.__key, key);
            EXPECT_EQ(ds.msg_qnum, 1);
        }
    }
    EXPECT(found);
    EXPECT_OK(msgctl(id, IPC_RMID, nullptr));
}

// ---- semaphores ----

TEST(sem_errors_and_values)
{
    key_t key = fresh_key();
    EXPECT_ERRNO(semget(key, 1, 0600), ENOENT);
    EXPECT_ERRNO(semget(key, 0, IPC_CREAT | 0600), EINVAL);
    EXPECT_ERRNO(semget(key, 32001, IPC_CREAT | 0600), EINVAL);
    EXPECT_ERRNO(semget(key, -1, IPC_CREAT | 0600), EINVAL);
    int id = EXPECT_OK(semget(key, 3, IPC_CREAT | IPC_EXCL | 0600));
    EXPECT_ERRNO(semget(key, 3, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    EXPECT_ERRNO(semget(key, 4, 0600), EINVAL); // more than the set has
    EXPECT_EQ(semget(key, 2, 0600), id);
    EXPECT_EQ(semget(key, 0, 0), id);

    EXPECT_EQ(semctl(id, 0, GETVAL), 0);
    EXPECT_OK(semctl(id, 1, SETVAL, semun { .val = 7 }));
    EXPECT_EQ(semctl(id, 1, GETVAL), 7);
    EXPECT_EQ(semctl(id, 1, GETPID), getpid());
    EXPECT_ERRNO(semctl(id, 1, SETVAL, semun { .val = 32768 }), ERANGE);
    EXPECT_ERRNO(semctl(id, 1, SETVAL, semun { .val = -1 }), ERANGE);
    EXPECT_ERRNO(semctl(id, 3, GETVAL), EINVAL);
    EXPECT_ERRNO(semctl(id, -1, SETVAL, semun { .val = 1 }), EINVAL);
    EXPECT_ERRNO(semctl(id, 0, 12345), EINVAL);
    EXPECT_ERRNO(semctl(-1, 0, GETVAL), EINVAL);
    EXPECT_ERRNO(semctl(id + 1, 0, GETVAL), EINVAL);

    unsigned short values[3] = { 1, 2, 3 };
    EXPECT_OK(semctl(id, 0, SETALL, semun { .array = values }));
    unsigned short back[3] = {};
    EXPECT_OK(semctl(id, 0, GETALL, semun { .array = back }));
    EXPECT(back[0] == 1 && back[1] == 2 && back[2] == 3);
    unsigned short too_big[3] = { 1, 40000, 3 };
    EXPECT_ERRNO(semctl(id, 0, SETALL, semun { .array = too_big }), ERANGE);
    EXPECT_ERRNO(semctl(id, 0, GETALL, semun { .array = guest_test::bad_pointer<unsigned short>(8) }), EFAULT);

    struct sembuf op { 0, -1, IPC_NOWAIT };
    EXPECT_ERRNO(semop(id, &op, 0), EINVAL);
    EXPECT_ERRNO(semop(id, &op, 501), E2BIG);
    EXPECT_ERRNO(semop(-1, &op, 1), EINVAL);
    EXPECT_ERRNO(semop(id, guest_test::bad_pointer<struct sembuf>(8), 1), EFAULT);
    struct sembuf past { 3, 1, 0 };
    EXPECT_ERRNO(semop(id, &past, 1), EFBIG);
    EXPECT_OK(semop(id, &op, 1)); // 1 -> 0
    EXPECT_ERRNO(semop(id, &op, 1), EAGAIN);
    struct sembuf huge { 2, 32767, 0 };
    EXPECT_ERRNO(semop(id, &huge, 1), ERANGE); // 3 + 32767 > SEMVMX
    struct sembuf zero { 0, 0, 0 };
    EXPECT_OK(semop(id, &zero, 1)); // wait-for-zero on a zero: at once
    // A timeout that passes: EAGAIN.
    struct timespec wait { 0, 20 * 1000 * 1000 };
    struct sembuf blocked { 0, -1, 0 };
    EXPECT_ERRNO(semtimedop(id, &blocked, 1, &wait), EAGAIN);
    struct timespec bad { 0, 1000000000 };
    EXPECT_ERRNO(semtimedop(id, &blocked, 1, &bad), EINVAL);

    // All or nothing: the second operation cannot go, so the first is undone.
    struct sembuf pair[2] = { { 1, -2, IPC_NOWAIT }, { 0, -1, IPC_NOWAIT } };
    EXPECT_ERRNO(semop(id, pair, 2), EAGAIN);
    EXPECT_EQ(semctl(id, 1, GETVAL), 2);
    // In order: +1 then -1 on the same semaphore works from zero.
    struct sembuf up_down[2] = { { 0, 1, 0 }, { 0, -1, 0 } };
    EXPECT_OK(semop(id, up_down, 2));
    EXPECT_EQ(semctl(id, 0, GETVAL), 0);

    struct semid_ds ds {};
    EXPECT_OK(semctl(id, 0, IPC_STAT, semun { .buf = &ds }));
    EXPECT_EQ(ds.sem_nsems, 3);
    EXPECT_EQ(ds.sem_perm.mode & 0777, 0600);
    EXPECT(ds.sem_otime != 0);
    ds.sem_perm.mode = 0660;
    EXPECT_OK(semctl(id, 0, IPC_SET, semun { .buf = &ds }));
    EXPECT_OK(semctl(id, 0, IPC_STAT, semun { .buf = &ds }));
    EXPECT_EQ(ds.sem_perm.mode & 0777, 0660);

    struct seminfo info {};
    int highest = EXPECT_OK(semctl(0, 0, IPC_INFO, semun { .__buf = &info }));
    EXPECT_EQ(info.semmsl, 32000);
    EXPECT_EQ(info.semopm, 500);
    EXPECT_EQ(info.semvmx, 32767);
    EXPECT_EQ(info.semmni, 32000);
    EXPECT_EQ(semctl(0, 0, SEM_INFO, semun { .__buf = &info }), highest);
    EXPECT_GE(info.semusz, 1); // sets in use
    EXPECT_GE(info.semaem, 3); // semaphores in use
    bool found = false;
    for (int index = 0; index <= highest; ++index) {
        if (semctl(index, 0, SEM_STAT, semun { .buf = &ds }) == id)
            found = ds.sem_nsems == 3 && ds.sem_perm.__key == key;
    }
    EXPECT(found);

    EXPECT_OK(semctl(id, 0, IPC_RMID));
    EXPECT_ERRNO(semctl(id, 0, GETVAL), EINVAL);
    EXPECT_ERRNO(semop(id, &zero, 1), EINVAL);
}

TEST(sem_multi_op_waits_for_all_at_once)
{
    int id = EXPECT_OK(semget(IPC_PRIVATE, 2, IPC_CREAT | 0600));
    pid_t child = fork();
    if (child == 0) {
        struct sembuf both[2] = { { 0, -1, 0 }, { 1, -1, 0 } };
        _exit(semop(id, both, 2) == 0 ? 0 : 1);
    }
    EXPECT(eventually([&] { return semctl(id, 0, GETNCNT) == 1; }));
    EXPECT_EQ(semctl(id, 1, GETNCNT), 0); // it waits on the first one
    EXPECT_OK(semctl(id, 0, SETVAL, semun { .val = 1 }));
    // One of two is not enough: nothing is taken.
    EXPECT(eventually([&] { return semctl(id, 1, GETNCNT) == 1; }));
    EXPECT_EQ(semctl(id, 0, GETVAL), 1);
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, WNOHANG), 0);
    EXPECT_OK(semctl(id, 1, SETVAL, semun { .val = 1 }));
    EXPECT_EXITED(wait_for(child), 0);
    EXPECT_EQ(semctl(id, 0, GETVAL), 0);
    EXPECT_EQ(semctl(id, 1, GETVAL), 0);
    EXPECT_EQ(semctl(id, 0, GETPID), child);

    // GETZCNT: a waiter for zero.
    EXPECT_OK(semctl(id, 0, SETVAL, semun { .val = 2 }));
    child = fork();
    if (child == 0) {
        struct sembuf zero { 0, 0, 0 };
        _exit(semop(id, &zero, 1) == 0 ? 0 : 1);
    }
    EXPECT(eventually([&] { return semctl(id, 0, GETZCNT) == 1; }));
    struct sembuf down { 0, -2, 0 };
    EXPECT_OK(semop(id, &down, 1));
    EXPECT_EXITED(wait_for(child), 0);
    EXPECT_EQ(semctl(id, 0, GETZCNT), 0);
    EXPECT_OK(semctl(id, 0, IPC_RMID));
}

TEST(sem_undo_applied_at_exit)
{
    int id = EXPECT_OK(semget(IPC_PRIVATE, 2, IPC_CREAT | 0600));
    EXPECT_OK(semctl(id, 0, SETVAL, semun { .val = 5 }));
    int status = guest_test::in_child([&] {
        struct sembuf take { 0, -2, SEM_UNDO };
        EXPECT_OK(semop(id, &take, 1));
        struct sembuf give { 0, 1, 0 }; // without SEM_UNDO: stays
        EXPECT_OK(semop(id, &give, 1));
        struct sembuf lock { 1, 3, SEM_UNDO };
        EXPECT_OK(semop(id, &lock, 1));
        EXPECT_EQ(semctl(id, 0, GETVAL), 4);
        EXPECT_EQ(semctl(id, 1, GETVAL), 3);
        // The adjustments are not inherited by a child of its own.
        pid_t grandchild = fork();
        if (grandchild == 0)
            _exit(0);
        EXPECT_EXITED(wait_for(grandchild), 0);
        EXPECT_EQ(semctl(id, 0, GETVAL), 4);
    });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(semctl(id, 0, GETVAL), 6); // 5 - 2 + 1, then the 2 given back
    EXPECT_EQ(semctl(id, 1, GETVAL), 0);

    // A holder killed by a signal gives back too, and wakes a waiter.
    EXPECT_OK(semctl(id, 0, SETVAL, semun { .val = 1 }));
    int gate[2];
    EXPECT_OK(pipe(gate));
    pid_t holder = fork();
    if (holder == 0) {
        struct sembuf take { 0, -1, SEM_UNDO };
        if (semop(id, &take, 1) != 0)
            _exit(1);
        (void)!write(gate[1], "x", 1);
        pause();
        _exit(0);
    }
    char byte;
    EXPECT_EQ(read(gate[0], &byte, 1), 1);
    close(gate[0]);
    close(gate[1]);
    EXPECT_EQ(semctl(id, 0, GETVAL), 0);
    pid_t waiter = fork();
    if (waiter == 0) {
        struct sembuf take { 0, -1, 0 };
        _exit(semop(id, &take, 1) == 0 ? 0 : 1);
    }
    EXPECT(eventually([&] { return semctl(id, 0, GETNCNT) == 1; }));
    EXPECT_OK(kill(holder, SIGKILL));
    EXPECT_SIGNALED(wait_for(holder), SIGKILL);
    EXPECT_EXITED(wait_for(waiter), 0);
    EXPECT_EQ(semctl(id, 0, GETVAL), 0);
    EXPECT_OK(semctl(id, 0, IPC_RMID));
}

TEST(sem_removed_set_wakes_waiter_with_eidrm)
{
    int id = EXPECT_OK(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    pid_t child = fork();
    if (child == 0) {
        struct sembuf take { 0, -1, 0 };
        int result = semop(id, &take, 1);
        _exit(result == -1 && errno == EIDRM ? 0 : 1);
    }
    EXPECT(eventually([&] { return semctl(id, 0, GETNCNT) == 1; }));
    EXPECT_OK(semctl(id, 0, IPC_RMID));
    EXPECT_EXITED(wait_for(child), 0);
}

TEST(sem_wait_interrupted_by_signal)
{
    int id = EXPECT_OK(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    pid_t child = fork();
    if (child == 0) {
        struct sigaction action {};
        action.sa_handler = nothing;
        action.sa_flags = SA_RESTART; // semop is never restarted
        sigaction(SIGUSR1, &action, nullptr);
        struct sembuf take { 0, -1, 0 };
        int result = semop(id, &take, 1);
        _exit(result == -1 && errno == EINTR ? 0 : 1);
    }
    EXPECT(eventually([&] { return semctl(id, 0, GETNCNT) == 1; }));
    EXPECT_OK(kill(child, SIGUSR1));
    EXPECT_EXITED(wait_for(child), 0);
    EXPECT_EQ(semctl(id, 0, GETNCNT), 0);
    EXPECT_OK(semctl(id, 0, IPC_RMID));
}

// ---- together ----

TEST(shm_ring_guarded_by_semaphores_carries_64_mib)
{
    // A 64 KiB ring of 4 KiB slots in shared memory; semaphore 0 counts
    // free slots, 1 filled ones. The producer (a child) writes 64 MiB of a
    // pseudo-random stream, the consumer (this process) sums what it reads.
    constexpr size_t kSlot = 4096;
    constexpr size_t kSlots = 16;
    constexpr size_t kTotal = 64 * 1024 * 1024; // what issue 6 asks of every channel
    int shm = EXPECT_OK(shmget(IPC_PRIVATE, kSlot * kSlots, IPC_CREAT | 0600));
    int sem = EXPECT_OK(semget(IPC_PRIVATE, 2, IPC_CREAT | 0600));
    EXPECT_OK(semctl(sem, 0, SETVAL, semun { .val = static_cast<int>(kSlots) }));
    auto* ring = static_cast<unsigned char*>(shmat(shm, nullptr, 0));
    EXPECT(ring != reinterpret_cast<void*>(-1));
    auto stream = [](uint64_t& state) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<unsigned char>(state >> 56);
    };
    pid_t producer = fork();
    if (producer == 0) {
        uint64_t state = 42;
        for (size_t block = 0; block < kTotal / kSlot; ++block) {
            struct sembuf take_free { 0, -1, 0 };
            if (semop(sem, &take_free, 1) != 0)
                _exit(1);
            unsigned char* slot = ring + (block % kSlots) * kSlot;
            for (size_t i = 0; i < kSlot; ++i)
                slot[i] = stream(state);
            struct sembuf give_full { 1, 1, 0 };
            if (semop(sem, &give_full, 1) != 0)
                _exit(2);
        }
        _exit(0);
    }
    uint64_t expected_state = 42;
    uint64_t sum = 0;
    uint64_t expected_sum = 0;
    bool same = true;
    for (size_t block = 0; block < kTotal / kSlot; ++block) {
        struct sembuf take_full { 1, -1, 0 };
        if (semop(sem, &take_full, 1) != 0) {
            same = false;
            break;
        }
        unsigned char* slot = ring + (block % kSlots) * kSlot;
        for (size_t i = 0; i < kSlot; ++i) {
            unsigned char expected = stream(expected_state);
            same = same && slot[i] == expected;
            sum = sum * 31 + slot[i];
            expected_sum = expected_sum * 31 + expected;
        }
        struct sembuf give_free { 0, 1, 0 };
        if (semop(sem, &give_free, 1) != 0) {
            same = false;
            break;
        }
    }
    if (!same)
        kill(producer, SIGKILL);
    int status = wait_for(producer);
    EXPECT(same);
    EXPECT_EQ(sum, expected_sum);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(semctl(sem, 0, GETVAL), static_cast<int>(kSlots));
    EXPECT_EQ(semctl(sem, 1, GETVAL), 0);
    EXPECT_OK(shmdt(ring));
    EXPECT_OK(shmctl(shm, IPC_RMID, nullptr));
    EXPECT_OK(semctl(sem, 0, IPC_RMID));
}

TEST(another_user_gets_eacces_and_eperm)
{
    if (geteuid() != 0)
        SKIP("needs root to become another user");
    int shm = EXPECT_OK(shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0644));
    int msg = EXPECT_OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    int sem = EXPECT_OK(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    key_t key = fresh_key();
    int keyed = EXPECT_OK(msgget(key, IPC_CREAT | IPC_EXCL | 0600));
    int status = guest_test::in_child([&] {
        EXPECT_OK(setgid(65534));
        EXPECT_OK(setuid(65534));
        // 0644: others may read, not write.
        void* read_only = shmat(shm, nullptr, SHM_RDONLY);
        EXPECT(read_only != reinterpret_cast<void*>(-1));
        EXPECT_OK(shmdt(read_only));
        EXPECT_ERRNO(shmat(shm, nullptr, 0), EACCES);
        struct shmid_ds shm_ds {};
        EXPECT_OK(shmctl(shm, IPC_STAT, &shm_ds));
        EXPECT_ERRNO(shmctl(shm, IPC_SET, &shm_ds), EPERM);
        EXPECT_ERRNO(shmctl(shm, IPC_RMID, nullptr), EPERM);
        // 0600: nothing for others.
        TestMessage message { 1, "no" };
        EXPECT_ERRNO(msgsnd(msg, &message, 2, IPC_NOWAIT), EACCES);
        EXPECT_ERRNO(msgrcv(msg, &message, 2, 0, IPC_NOWAIT), EACCES);
        struct msqid_ds msg_ds {};
        EXPECT_ERRNO(msgctl(msg, IPC_STAT, &msg_ds), EACCES);
        EXPECT_ERRNO(msgctl(msg, IPC_RMID, nullptr), EPERM);
        EXPECT_ERRNO(msgget(key, 0600), EACCES);
        EXPECT_ERRNO(msgget(key, 0400), EACCES);
        EXPECT_EQ(msgget(key, 0), keyed); // asking for nothing is allowed
        struct sembuf op { 0, 1, IPC_NOWAIT };
        EXPECT_ERRNO(semop(sem, &op, 1), EACCES);
        EXPECT_ERRNO(semctl(sem, 0, GETVAL), EACCES);
        EXPECT_ERRNO(semctl(sem, 0, SETVAL, semun { .val = 1 }), EACCES);
        EXPECT_ERRNO(semctl(sem, 0, IPC_RMID), EPERM);
        // What it makes is its own.
        int mine = EXPECT_OK(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
        struct semid_ds ds {};
        EXPECT_OK(semctl(mine, 0, IPC_STAT, semun { .buf = &ds }));
        EXPECT_EQ(ds.sem_perm.uid, 65534);
        EXPECT_EQ(ds.sem_perm.cgid, 65534);
        EXPECT_OK(semctl(mine, 0, IPC_RMID));
    });
    EXPECT_EXITED(status, 0);
    // Root may do anything, and give an object away.
    struct msqid_ds ds {};
    EXPECT_OK(msgctl(msg, IPC_STAT, &ds));
    ds.msg_perm.uid = 65534;
    EXPECT_OK(msgctl(msg, IPC_SET, &ds));
    status = guest_test::in_child([&] {
        EXPECT_OK(setgid(65534));
        EXPECT_OK(setuid(65534));
        TestMessage message { 1, "ok" };
        EXPECT_OK(msgsnd(msg, &message, 2, IPC_NOWAIT)); // the owner now
        struct msqid_ds raised {};
        EXPECT_OK(msgctl(msg, IPC_STAT, &raised));
        raised.msg_qbytes = 16385; // past msgmnb: only with privilege
        EXPECT_ERRNO(msgctl(msg, IPC_SET, &raised), EPERM);
        EXPECT_OK(msgctl(msg, IPC_RMID, nullptr));
    });
    EXPECT_EXITED(status, 0);
    EXPECT_OK(shmctl(shm, IPC_RMID, nullptr));
    EXPECT_OK(semctl(sem, 0, IPC_RMID));
    EXPECT_OK(msgctl(keyed, IPC_RMID, nullptr));
}

TEST(memory_is_freed_on_removal_and_at_exit)
{
    // More than the test machine's memory passes through segments and
    // queues (400 x 512 KiB of touched pages, 10000 x 16 KiB of messages):
    // a leak would end in ENOMEM long before the loops do.
    constexpr size_t kSegment = 512 * 1024;
    for (int round = 0; round < 400; ++round) {
        int id = EXPECT_OK(shmget(IPC_PRIVATE, kSegment, IPC_CREAT | 0600));
        auto* memory = static_cast<char*>(shmat(id, nullptr, 0));
        EXPECT(memory != reinterpret_cast<void*>(-1));
        for (size_t at = 0; at < kSegment; at += 4096)
            memory[at] = static_cast<char>(round);
        if (round % 2)
            EXPECT_OK(shmctl(id, IPC_RMID, nullptr)); // before the last detach
        if (round % 10 == 0) {
            pid_t child = fork(); // its attachment goes with its exit
            if (child == 0)
                _exit(memory[4096] == static_cast<char>(round) ? 0 : 1);
            EXPECT_EXITED(wait_for(child), 0);
        }
        EXPECT_OK(shmdt(memory));
        if (round % 2 == 0)
            EXPECT_OK(shmctl(id, IPC_RMID, nullptr));
    }
    static struct {
        long type;
        char text[8192];
    } big { 1, {} };
    for (int round = 0; round < 10000; ++round) {
        int id = EXPECT_OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
        for (int i = 0; i < 2; ++i)
            EXPECT_OK(msgsnd(id, &big, 8192 - 16, IPC_NOWAIT));
        EXPECT_OK(msgctl(id, IPC_RMID, nullptr)); // frees what is queued
    }
}

// ---- what tools see ----

TEST(proc_limits_and_tables)
{
    EXPECT_STREQ(read_file("/proc/sys/kernel/shmmni").c_str(), "4096\n");
    EXPECT_STREQ(read_file("/proc/sys/kernel/shmmax").c_str(), "18446744073692774399\n");
    EXPECT_STREQ(read_file("/proc/sys/kernel/shmall").c_str(), "18446744073692774399\n");
    EXPECT_STREQ(read_file("/proc/sys/kernel/msgmax").c_str(), "8192\n");
    EXPECT_STREQ(read_file("/proc/sys/kernel/msgmnb").c_str(), "16384\n");
    EXPECT_STREQ(read_file("/proc/sys/kernel/msgmni").c_str(), "32000\n");
    EXPECT_STREQ(read_file("/proc/sys/kernel/sem").c_str(), "32000\t1024000000\t500\t32000\n");

    key_t key = fresh_key();
    int shm = EXPECT_OK(shmget(key, 10000, IPC_CREAT | IPC_EXCL | 0640));
    void* memory = shmat(shm, nullptr, 0);
    EXPECT(memory != reinterpret_cast<void*>(-1));
    static_cast<char*>(memory)[0] = 1; // one resident page
    // /proc/self/maps names the attachment as Linux does, the identifier
    // as its inode number.
    char name[64];
    snprintf(name, sizeof(name), " %d", shm);
    std::string maps = read_file("/proc/self/maps");
    char sysv_name[64];
    snprintf(sysv_name, sizeof(sysv_name), "/SYSV%08x (deleted)\n", key);
    size_t named = maps.find(sysv_name);
    EXPECT(named != std::string::npos);
    size_t line_start = maps.rfind('\n', named);
    std::string maps_line = maps.substr(line_start == std::string::npos ? 0 : line_start + 1, named - (line_start == std::string::npos ? 0 : line_start + 1));
    EXPECT(contains(maps_line, " rw-s 00000000 "));
    EXPECT(contains(maps_line, name));
    std::string table = read_file("/proc/sysvipc/shm");
    EXPECT_STREQ(table.substr(0, table.find('\n') + 1).c_str(),
        "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime"
        "      dtime      ctime                   rss                  swap\n");
    char line[256];
    snprintf(line, sizeof(line), "%10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u ", key, shm, 0640, 10000ul,
        static_cast<unsigned>(getpid()), static_cast<unsigned>(getpid()), 1ul, geteuid(), getegid(), geteuid(),
        getegid());
    EXPECT(contains(table, line));
    EXPECT(contains(table, "                  4096                     0\n"));
    EXPECT_OK(shmdt(memory));
    EXPECT_OK(shmctl(shm, IPC_RMID, nullptr));
    EXPECT(!contains(read_file("/proc/sysvipc/shm"), line));

    int msg = EXPECT_OK(msgget(key, IPC_CREAT | IPC_EXCL | 0600));
    TestMessage message { 1, "abcd" };
    EXPECT_OK(msgsnd(msg, &message, 5, 0));
    table = read_file("/proc/sysvipc/msg");
    EXPECT_STREQ(table.substr(0, table.find('\n') + 1).c_str(),
        "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime"
        "      ctime\n");
    snprintf(line, sizeof(line), "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u ", key, msg, 0600, 5ul, 1ul,
        static_cast<unsigned>(getpid()), 0u, geteuid(), getegid(), geteuid(), getegid());
    EXPECT(contains(table, line));
    EXPECT_OK(msgctl(msg, IPC_RMID, nullptr));

    int sem = EXPECT_OK(semget(key, 3, IPC_CREAT | IPC_EXCL | 0666));
    table = read_file("/proc/sysvipc/sem");
    EXPECT_STREQ(table.substr(0, table.find('\n') + 1).c_str(),
        "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
    snprintf(line, sizeof(line), "%10d %10d  %4o %10u %5u %5u %5u %5u          0 ", key, sem, 0666, 3u, geteuid(),
        getegid(), geteuid(), getegid());
    EXPECT(contains(table, line));
    EXPECT_OK(semctl(sem, 0, IPC_RMID));
}

TEST(ipcs_lists_and_ipcrm_removes_objects)
{
    if (access("/bin/busybox", X_OK) != 0)
        SKIP("no /bin/busybox");
    key_t shm_key = fresh_key();
    key_t msg_key = fresh_key();
    key_t sem_key = fresh_key();
    int shm = EXPECT_OK(shmget(shm_key, 4096, IPC_CREAT | IPC_EXCL | 0600));
    int msg = EXPECT_OK(msgget(msg_key, IPC_CREAT | IPC_EXCL | 0600));
    int sem = EXPECT_OK(semget(sem_key, 2, IPC_CREAT | IPC_EXCL | 0600));
    auto run = [](const char* script) {
        int fds[2];
        if (pipe(fds) != 0)
            return std::string("<pipe failed>");
        pid_t pid = fork();
        if (pid == 0) {
            dup2(fds[1], 1);
            dup2(fds[1], 2);
            close(fds[0]);
            close(fds[1]);
            execl("/bin/busybox", "sh", "-c", script, static_cast<char*>(nullptr));
            _exit(127);
        }
        close(fds[1]);
        std::string output;
        char buffer[4096];
        ssize_t got;
        while ((got = read(fds[0], buffer, sizeof(buffer))) > 0)
            output.append(buffer, static_cast<size_t>(got));
        close(fds[0]);
        int status = wait_for(pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            output += "<exit " + std::to_string(status) + ">";
        return output;
    };
    // ipcs/ipcrm from the shell's PATH: Haneul's own (user/ipc/ipcs.cpp;
    // Debian's busybox-static has no such applets), util-linux's on Linux.
    // Without them: the tables ipcs reads, through busybox's shell and cat,
    // and removal by the ids they list.
    bool has_ipcs = run("ipcs >/dev/null 2>&1 && echo yes") == "yes\n";
    char key_text[3][16];
    snprintf(key_text[0], 16, "0x%08x", shm_key);
    snprintf(key_text[1], 16, "0x%08x", msg_key);
    snprintf(key_text[2], 16, "0x%08x", sem_key);
    std::string listing;
    if (has_ipcs) {
        listing = run("ipcs");
        EXPECT(contains(listing, key_text[0]));
        EXPECT(contains(listing, key_text[1]));
        EXPECT(contains(listing, key_text[2]));
        char script[200];
        snprintf(script, sizeof(script), "ipcrm -m %d -q %d -s %d", shm, msg, sem);
        EXPECT_STREQ(run(script).c_str(), "");
        listing = run("ipcs");
        // A second removal names what is gone and fails.
        EXPECT(contains(run(script), "<exit"));
        EXPECT(!contains(listing, key_text[0]) && !contains(listing, key_text[1]) && !contains(listing, key_text[2]));
    } else {
        listing = run("cat /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem");
        char line[3][64];
        snprintf(line[0], 64, "%10d %10d  %4o ", shm_key, shm, 0600);
        snprintf(line[1], 64, "%10d %10d  %4o ", msg_key, msg, 0600);
        snprintf(line[2], 64, "%10d %10d  %4o ", sem_key, sem, 0600);
        EXPECT(contains(listing, line[0]));
        EXPECT(contains(listing, line[1]));
        EXPECT(contains(listing, line[2]));
        // The ids as a script would take them from the tables (column 2).
        std::string ids = run("for t in shm msg sem; do busybox awk 'NR > 1 { print $2 }' /proc/sysvipc/$t | busybox tr '\\n' ' '; echo; done");
        EXPECT(contains(ids, " " + std::to_string(shm) + " ") || contains(ids, std::to_string(shm) + " "));
        EXPECT_OK(shmctl(shm, IPC_RMID, nullptr));
        EXPECT_OK(msgctl(msg, IPC_RMID, nullptr));
        EXPECT_OK(semctl(sem, 0, IPC_RMID));
        listing = run("cat /proc/sysvipc/shm /proc/sysvipc/msg /proc/sysvipc/sem");
        EXPECT(!contains(listing, line[0]) && !contains(listing, line[1]) && !contains(listing, line[2]));
        EXPECT(contains(listing, "       key      shmid perms"));
    }
}

int main()
{
    int failures = guest_test::run_tests();
    if (!g_directory.empty() && g_directory != "/tmp") {
        for (int i = 1; i < 64; ++i)
            unlink((g_directory + "/key" + std::to_string(i)).c_str());
        rmdir(g_directory.c_str());
    }
    return failures;
}
