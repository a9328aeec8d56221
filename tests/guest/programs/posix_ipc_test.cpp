// POSIX IPC between processes (CONCEPTS F1, F2, F3, F7): shared memory
// objects in /dev/shm (shm_open + mmap, coherent with read/write and
// between processes that share nothing but the name), process-shared
// pthread mutexes and condition variables and named semaphores on top of
// them (shared futexes), and POSIX message queues (mq_*).
//
// "Unrelated" processes are this program exec'd again with a role in
// argv[1]: after execve nothing of the parent's memory is left, so the
// two meet only through the name in /dev/shm or the queue's name.
#include "guest_test.h"

#include <atomic>
#include <climits>
#include <cstdint>
#include <ctime>
#include <dirent.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/vfs.h>

namespace {

const char* g_self = nullptr; // argv[0], to exec ourselves

// Runs this program with `role` and `name`; returns its wait status.
int run_role(const char* role, const char* name)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl(g_self, g_self, role, name, static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    return status;
}

pid_t start_role(const char* role, const char* name)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execl(g_self, g_self, role, name, static_cast<char*>(nullptr));
        _exit(127);
    }
    return pid;
}

timespec after_ms(long ms)
{
    timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += (ms % 1000) * 1000000;
    now.tv_sec += ms / 1000 + now.tv_nsec / 1000000000;
    now.tv_nsec %= 1000000000;
    return now;
}

// ---- shared memory ----

constexpr size_t kShmSize = 3 * 4096;

struct SharedSync {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int state;
    long counter;
};
constexpr int kIncrements = 20000;

int role_shm_reader(const char* name)
{
    // Sees what the parent wrote, in its mapping and through read(), and
    // answers through its own mapping.
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0)
        return 10;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size != static_cast<off_t>(kShmSize))
        return 11;
    auto* map = static_cast<char*>(mmap(nullptr, kShmSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (map == MAP_FAILED)
        return 12;
    if (strcmp(map + 4096 + 10, "from parent") != 0)
        return 13;
    char buffer[32] = {};
    if (pread(fd, buffer, 11, 4096 + 10) != 11 || strcmp(buffer, "from parent") != 0)
        return 14;
    strcpy(map + 2 * 4096 + 7, "from exec'd child");
    return 0;
}

int role_cond_partner(const char* name)
{
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0)
        return 20;
    auto* sync = static_cast<SharedSync*>(mmap(nullptr, sizeof(SharedSync), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (sync == MAP_FAILED)
        return 21;
    // Say we are here, then wait (on the shared condition variable) for
    // the go.
    pthread_mutex_lock(&sync->mutex);
    sync->state = 1;
    pthread_cond_broadcast(&sync->cond);
    while (sync->state != 2)
        pthread_cond_wait(&sync->cond, &sync->mutex);
    pthread_mutex_unlock(&sync->mutex);
    for (int i = 0; i < kIncrements; ++i) {
        pthread_mutex_lock(&sync->mutex);
        long value = sync->counter;
        if (i % 64 == 0)
            sched_yield(); // invite the other process into the critical section
        sync->counter = value + 1;
        pthread_mutex_unlock(&sync->mutex);
    }
    pthread_mutex_lock(&sync->mutex);
    sync->state = 3;
    pthread_cond_broadcast(&sync->cond);
    pthread_mutex_unlock(&sync->mutex);
    return 0;
}

// ---- named semaphores ----

constexpr int kSlots = 4;
constexpr int kItems = 300;

struct Ring {
    int slots[kSlots];
};

int role_consumer(const char* prefix)
{
    char items_name[64], slots_name[64], ring_name[64];
    snprintf(items_name, sizeof(items_name), "%s_items", prefix);
    snprintf(slots_name, sizeof(slots_name), "%s_slots", prefix);
    snprintf(ring_name, sizeof(ring_name), "%s_ring", prefix);
    sem_t* items = sem_open(items_name, 0);
    sem_t* slots = sem_open(slots_name, 0);
    if (items == SEM_FAILED || slots == SEM_FAILED)
        return 30;
    int fd = shm_open(ring_name, O_RDWR, 0);
    if (fd < 0)
        return 31;
    auto* ring = static_cast<Ring*>(mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (ring == MAP_FAILED)
        return 32;
    for (int i = 0; i < kItems; ++i) {
        if (sem_wait(items) != 0)
            return 33;
        int value = ring->slots[i % kSlots];
        if (value != i * 7 + 1)
            return 34; // out of order, lost or torn
        if (sem_post(slots) != 0)
            return 35;
    }
    return 0;
}

// ---- message queues ----

int role_mq_sender(const char* name)
{
    mqd_t queue = mq_open(name, O_WRONLY);
    if (queue == static_cast<mqd_t>(-1))
        return 40;
    if (mq_send(queue, "ping", 4, 3) != 0)
        return 41;
    return 0;
}

mqd_t open_queue(const char* name, long maxmsg, long msgsize, int flags = O_RDWR)
{
    mq_attr attr {};
    attr.mq_maxmsg = maxmsg;
    attr.mq_msgsize = msgsize;
    mq_unlink(name);
    return mq_open(name, flags | O_CREAT | O_EXCL, 0600, &attr);
}

// The queue's file in an mqueue file system, mounting one on /dev/mqueue
// if nothing is there (Linux systems usually have it; Haneul's init
// mounts it). Empty when there is none.
bool mqueue_fs_available()
{
    struct statfs fs;
    constexpr long kMqueueMagic = 0x19800202;
    if (statfs("/dev/mqueue", &fs) == 0 && fs.f_type == kMqueueMagic)
        return true;
    mkdir("/dev/mqueue", 0755);
    if (mount("mqueue", "/dev/mqueue", "mqueue", 0, nullptr) != 0)
        return false;
    return statfs("/dev/mqueue", &fs) == 0 && fs.f_type == kMqueueMagic;
}

bool read_status(const char* name, char* line, size_t size)
{
    char path[128];
    snprintf(path, sizeof(path), "/dev/mqueue%s", name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, line, size - 1);
    close(fd);
    if (n <= 0)
        return false;
    line[n] = 0;
    return true;
}

long read_limit(const char* name)
{
    char path[96];
    snprintf(path, sizeof(path), "/proc/sys/fs/mqueue/%s", name);
    FILE* file = fopen(path, "r");
    if (!file)
        return -1;
    long value = -1;
    if (fscanf(file, "%ld", &value) != 1)
        value = -1;
    fclose(file);
    return value;
}

volatile sig_atomic_t g_alarms = 0;
void on_alarm(int) { g_alarms = g_alarms + 1; }

}

// ---- shared memory objects ----

TEST(shm_open_makes_a_file_in_dev_shm)
{
    const char* name = "/haneul_ipc_shm_name";
    shm_unlink(name);
    int fd = EXPECT_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0640));
    struct stat st;
    EXPECT_OK(stat("/dev/shm/haneul_ipc_shm_name", &st));
    EXPECT(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0640 & ~0); // umask 022 keeps 0640
    EXPECT_EQ(st.st_size, 0);
    EXPECT_ERRNO(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
    close(fd);
    EXPECT_OK(shm_unlink(name));
    EXPECT_ERRNO(shm_open(name, O_RDWR, 0), ENOENT);
    EXPECT_ERRNO(shm_unlink(name), ENOENT);
}

TEST(shm_mapping_is_coherent_with_read_and_write)
{
    const char* name = "/haneul_ipc_coherent";
    shm_unlink(name);
    int fd = EXPECT_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
    EXPECT_OK(ftruncate(fd, kShmSize));
    auto* map = static_cast<char*>(mmap(nullptr, kShmSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT(map != MAP_FAILED);
    EXPECT_EQ(map[0], 0);
    // write() shows in the mapping...
    EXPECT_EQ(pwrite(fd, "written", 7, 4096 + 100), 7);
    EXPECT(memcmp(map + 4096 + 100, "written", 7) == 0);
    // ...and a store in the mapping shows to read().
    memcpy(map + 2 * 4096 + 5, "stored", 6);
    char buffer[8] = {};
    EXPECT_EQ(pread(fd, buffer, 6, 2 * 4096 + 5), 6);
    EXPECT(memcmp(buffer, "stored", 6) == 0);
    // A second mapping of the same object is the same memory.
    auto* again = static_cast<char*>(mmap(nullptr, kShmSize, PROT_READ, MAP_SHARED, fd, 0));
    EXPECT(again != MAP_FAILED);
    map[77] = 'x';
    EXPECT_EQ(again[77], 'x');
    EXPECT_OK(msync(map, kShmSize, MS_SYNC));
    EXPECT_ERRNO(msync(map + 1, 4096, MS_SYNC), EINVAL);
    EXPECT_ERRNO(msync(map, 4096, MS_SYNC | MS_ASYNC), EINVAL);
    munmap(again, kShmSize);
    munmap(map, kShmSize);
    close(fd);
    shm_unlink(name);
}

TEST(shm_mapping_is_shared_across_fork)
{
    const char* name = "/haneul_ipc_fork";
    shm_unlink(name);
    int fd = EXPECT_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
    EXPECT_OK(ftruncate(fd, 4096));
    auto* map = static_cast<volatile int*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT(map != MAP_FAILED);
    map[0] = 1;
    int status = guest_test::in_child([&] {
        EXPECT_EQ(map[0], 1);
        map[1] = 1234;
    });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(map[1], 1234);
    int value = 0;
    EXPECT_EQ(pread(fd, &value, sizeof(value), sizeof(int)), static_cast<ssize_t>(sizeof(value)));
    EXPECT_EQ(value, 1234);
    close(fd);
    shm_unlink(name);
}

TEST(shm_is_shared_with_an_execd_process)
{
    const char* name = "/haneul_ipc_exec";
    shm_unlink(name);
    int fd = EXPECT_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
    EXPECT_OK(ftruncate(fd, kShmSize));
    auto* map = static_cast<char*>(mmap(nullptr, kShmSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT(map != MAP_FAILED);
    strcpy(map + 4096 + 10, "from parent");
    EXPECT_EXITED(run_role("shm-reader", name), 0);
    EXPECT_STREQ(map + 2 * 4096 + 7, "from exec'd child");
    char buffer[32] = {};
    EXPECT_EQ(pread(fd, buffer, 17, 2 * 4096 + 7), 17);
    EXPECT_STREQ(buffer, "from exec'd child");
    close(fd);
    shm_unlink(name);
}

TEST(shrinking_a_mapped_file_makes_access_beyond_eof_sigbus)
{
    const char* name = "/haneul_ipc_sigbus";
    shm_unlink(name);
    int fd = EXPECT_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
    EXPECT_OK(ftruncate(fd, 3 * 4096));
    auto* map = static_cast<volatile char*>(mmap(nullptr, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT(map != MAP_FAILED);
    map[2 * 4096] = 'a'; // present in this address space before the shrink
    map[0] = 'b';
    EXPECT_OK(ftruncate(fd, 4096));
    EXPECT_EQ(map[0], 'b'); // still inside the file
    int status = guest_test::in_child([&] { (void)map[2 * 4096]; });
    EXPECT_SIGNALED(status, SIGBUS);
    status = guest_test::in_child([&] { map[4096 + 1] = 1; });
    EXPECT_SIGNALED(status, SIGBUS);
    // Growing again brings zeros, not the old page.
    EXPECT_OK(ftruncate(fd, 3 * 4096));
    EXPECT_EQ(map[2 * 4096], 0);
    map[2 * 4096] = 'c';
    char c = 0;
    EXPECT_EQ(pread(fd, &c, 1, 2 * 4096), 1);
    EXPECT_EQ(c, 'c');
    close(fd);
    shm_unlink(name);
}

// ---- process-shared pthread objects and named semaphores ----

TEST(process_shared_mutex_and_condvar_work_between_unrelated_processes)
{
    const char* name = "/haneul_ipc_cond";
    shm_unlink(name);
    int fd = EXPECT_OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
    EXPECT_OK(ftruncate(fd, sizeof(SharedSync)));
    auto* sync = static_cast<SharedSync*>(mmap(nullptr, sizeof(SharedSync), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT(sync != MAP_FAILED);
    pthread_mutexattr_t mutex_attr;
    pthread_mutexattr_init(&mutex_attr);
    pthread_mutexattr_setpshared(&mutex_attr, PTHREAD_PROCESS_SHARED);
    EXPECT_EQ(pthread_mutex_init(&sync->mutex, &mutex_attr), 0);
    pthread_condattr_t cond_attr;
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setpshared(&cond_attr, PTHREAD_PROCESS_SHARED);
    EXPECT_EQ(pthread_cond_init(&sync->cond, &cond_attr), 0);

    pid_t partner = start_role("cond-partner", name);
    EXPECT(partner > 0);
    pthread_mutex_lock(&sync->mutex);
    while (sync->state != 1)
        pthread_cond_wait(&sync->cond, &sync->mutex); // woken by the other process
    sync->state = 2;
    pthread_cond_broadcast(&sync->cond);
    pthread_mutex_unlock(&sync->mutex);
    for (int i = 0; i < kIncrements; ++i) {
        pthread_mutex_lock(&sync->mutex);
        long value = sync->counter;
        if (i % 64 == 0)
            sched_yield();
        sync->counter = value + 1;
        pthread_mutex_unlock(&sync->mutex);
    }
    pthread_mutex_lock(&sync->mutex);
    while (sync->state != 3)
        pthread_cond_wait(&sync->cond, &sync->mutex);
    long total = sync->counter;
    pthread_mutex_unlock(&sync->mutex);
    int status = -1;
    waitpid(partner, &status, 0);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(total, 2 * kIncrements); // no increment lost: the mutex excluded
    close(fd);
    shm_unlink(name);
}

TEST(named_semaphores_carry_a_producer_consumer_between_processes)
{
    const char* prefix = "/haneul_ipc_pc";
    sem_unlink("/haneul_ipc_pc_items");
    sem_unlink("/haneul_ipc_pc_slots");
    shm_unlink("/haneul_ipc_pc_ring");
    sem_t* items = sem_open("/haneul_ipc_pc_items", O_CREAT | O_EXCL, 0600, 0);
    EXPECT(items != SEM_FAILED);
    sem_t* slots = sem_open("/haneul_ipc_pc_slots", O_CREAT | O_EXCL, 0600, kSlots);
    EXPECT(slots != SEM_FAILED);
    EXPECT(sem_open("/haneul_ipc_pc_items", O_CREAT | O_EXCL, 0600, 0) == SEM_FAILED);
    EXPECT_EQ(errno, EEXIST);
    int value = -1;
    EXPECT_OK(sem_getvalue(slots, &value));
    EXPECT_EQ(value, kSlots);
    EXPECT_OK(access("/dev/shm/sem.haneul_ipc_pc_items", F_OK)); // glibc's name for it
    int fd = EXPECT_OK(shm_open("/haneul_ipc_pc_ring", O_RDWR | O_CREAT | O_EXCL, 0600));
    EXPECT_OK(ftruncate(fd, sizeof(Ring)));
    auto* ring = static_cast<Ring*>(mmap(nullptr, sizeof(Ring), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    EXPECT(ring != MAP_FAILED);

    pid_t consumer = start_role("consumer", prefix);
    EXPECT(consumer > 0);
    for (int i = 0; i < kItems; ++i) {
        EXPECT_OK(sem_wait(slots)); // blocks while the consumer is 4 behind
        ring->slots[i % kSlots] = i * 7 + 1;
        EXPECT_OK(sem_post(items));
    }
    int status = -1;
    waitpid(consumer, &status, 0);
    EXPECT_EXITED(status, 0);
    EXPECT_OK(sem_getvalue(items, &value));
    EXPECT_EQ(value, 0);
    // A wait with nothing to take times out.
    timespec soon = after_ms(50);
    EXPECT_ERRNO(sem_timedwait(items, &soon), ETIMEDOUT);
    EXPECT_ERRNO(sem_trywait(items), EAGAIN);
    sem_close(items);
    sem_close(slots);
    EXPECT_OK(sem_unlink("/haneul_ipc_pc_items"));
    EXPECT_OK(sem_unlink("/haneul_ipc_pc_slots"));
    EXPECT_ERRNO(sem_unlink("/haneul_ipc_pc_items"), ENOENT);
    close(fd);
    shm_unlink("/haneul_ipc_pc_ring");
}

// ---- message queues ----

TEST(mq_receives_highest_priority_first_fifo_within_a_priority)
{
    const char* name = "/haneul_mq_order";
    mqd_t queue = EXPECT_OK(open_queue(name, 8, 64));
    struct {
        const char* text;
        unsigned priority;
    } sent[] = { { "a1", 1 }, { "b5", 5 }, { "c1", 1 }, { "d9", 9 }, { "e5", 5 }, { "f0", 0 }, { "g9", 9 } };
    for (auto& message : sent)
        EXPECT_OK(mq_send(queue, message.text, strlen(message.text) + 1, message.priority));
    mq_attr attr {};
    EXPECT_OK(mq_getattr(queue, &attr));
    EXPECT_EQ(attr.mq_curmsgs, 7);
    EXPECT_EQ(attr.mq_maxmsg, 8);
    EXPECT_EQ(attr.mq_msgsize, 64);
    EXPECT_EQ(attr.mq_flags, 0);
    const char* expected[] = { "d9", "g9", "b5", "e5", "a1", "c1", "f0" };
    unsigned priorities[] = { 9, 9, 5, 5, 1, 1, 0 };
    for (int i = 0; i < 7; ++i) {
        char buffer[64];
        unsigned priority = 99;
        ssize_t n = EXPECT_OK(mq_receive(queue, buffer, sizeof(buffer), &priority));
        EXPECT_EQ(n, 3);
        EXPECT_STREQ(buffer, expected[i]);
        EXPECT_EQ(priority, priorities[i]);
    }
    // A zero-length message is a message.
    EXPECT_OK(mq_send(queue, "", 0, 0));
    char buffer[64];
    EXPECT_EQ(mq_receive(queue, buffer, sizeof(buffer), nullptr), 0);
    mq_close(queue);
    EXPECT_OK(mq_unlink(name));
}

TEST(mq_errors_are_linux_errors)
{
    const char* name = "/haneul_mq_errors";
    mq_unlink(name);
    EXPECT_ERRNO(mq_open(name, O_RDWR), ENOENT);
    EXPECT_ERRNO(mq_open("no_slash", O_RDWR | O_CREAT, 0600, nullptr), EINVAL);
    EXPECT_ERRNO(mq_open("/a/b", O_RDWR | O_CREAT, 0600, nullptr), EACCES);
    mq_attr bad {};
    bad.mq_maxmsg = 0;
    bad.mq_msgsize = 16;
    EXPECT_ERRNO(mq_open(name, O_RDWR | O_CREAT, 0600, &bad), EINVAL);
    bad.mq_maxmsg = 4;
    bad.mq_msgsize = -1;
    EXPECT_ERRNO(mq_open(name, O_RDWR | O_CREAT, 0600, &bad), EINVAL);

    mqd_t queue = EXPECT_OK(open_queue(name, 2, 16));
    EXPECT_ERRNO(mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, nullptr), EEXIST);
    char big[32] = {};
    EXPECT_ERRNO(mq_send(queue, big, 17, 0), EMSGSIZE);
    EXPECT_ERRNO(mq_send(queue, big, 1, 32768), EINVAL); // MQ_PRIO_MAX
    char small[8];
    EXPECT_ERRNO(mq_receive(queue, small, sizeof(small), nullptr), EMSGSIZE);
    EXPECT_ERRNO(mq_send(-1, big, 1, 0), EBADF);
    EXPECT_ERRNO(mq_send(STDOUT_FILENO, big, 1, 0), EBADF); // not a queue

    // O_NONBLOCK: full and empty are EAGAIN at once.
    mqd_t nonblocking = EXPECT_OK(mq_open(name, O_RDWR | O_NONBLOCK));
    EXPECT_ERRNO(mq_receive(nonblocking, big, sizeof(big), nullptr), EAGAIN);
    EXPECT_OK(mq_send(nonblocking, "1", 1, 0));
    EXPECT_OK(mq_send(nonblocking, "2", 1, 0));
    EXPECT_ERRNO(mq_send(nonblocking, "3", 1, 0), EAGAIN);
    mq_attr attr {};
    EXPECT_OK(mq_getattr(nonblocking, &attr));
    EXPECT_EQ(attr.mq_flags, O_NONBLOCK);
    EXPECT_EQ(attr.mq_curmsgs, 2);
    // mq_setattr changes only O_NONBLOCK, of this description only.
    mq_attr change {};
    change.mq_flags = 0;
    mq_attr old {};
    EXPECT_OK(mq_setattr(nonblocking, &change, &old));
    EXPECT_EQ(old.mq_flags, O_NONBLOCK);
    EXPECT_OK(mq_getattr(nonblocking, &attr));
    EXPECT_EQ(attr.mq_flags, 0);
    change.mq_flags = O_NONBLOCK;
    EXPECT_OK(mq_setattr(queue, &change, nullptr));
    EXPECT_ERRNO(mq_send(queue, "3", 1, 0), EAGAIN);

    // Access modes.
    mqd_t reader = EXPECT_OK(mq_open(name, O_RDONLY));
    EXPECT_ERRNO(mq_send(reader, "x", 1, 0), EBADF);
    mqd_t writer = EXPECT_OK(mq_open(name, O_WRONLY));
    EXPECT_ERRNO(mq_receive(writer, big, sizeof(big), nullptr), EBADF);

    // Permissions are per user.
    if (geteuid() == 0) {
        int status = guest_test::in_child([&] {
            EXPECT_OK(setuid(65534));
            EXPECT_ERRNO(mq_open(name, O_RDONLY), EACCES);
        });
        EXPECT_EXITED(status, 0);
    }
    mq_close(reader);
    mq_close(writer);
    mq_close(nonblocking);
    mq_close(queue);
    EXPECT_OK(mq_unlink(name));
    EXPECT_ERRNO(mq_unlink(name), ENOENT);
}

TEST(mq_limits_are_in_proc_sys_fs_mqueue)
{
    long msg_max = read_limit("msg_max");
    long msgsize_max = read_limit("msgsize_max");
    long msg_default = read_limit("msg_default");
    long msgsize_default = read_limit("msgsize_default");
    EXPECT_GT(msg_max, 0);
    EXPECT_GT(msgsize_max, 0);
    EXPECT_GT(read_limit("queues_max"), 0);
    EXPECT_GT(msg_default, 0);
    EXPECT_GT(msgsize_default, 0);
    // Without attributes a queue gets the defaults.
    const char* name = "/haneul_mq_limits";
    mq_unlink(name);
    mqd_t queue = EXPECT_OK(mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, nullptr));
    mq_attr attr {};
    EXPECT_OK(mq_getattr(queue, &attr));
    EXPECT_EQ(attr.mq_maxmsg, msg_default < msg_max ? msg_default : msg_max);
    EXPECT_EQ(attr.mq_msgsize, msgsize_default < msgsize_max ? msgsize_default : msgsize_max);
    mq_close(queue);
    mq_unlink(name);
    // An unprivileged creator keeps to the maxima.
    if (geteuid() == 0) {
        int status = guest_test::in_child([&] {
            EXPECT_OK(setuid(65534));
            mq_attr attr {};
            attr.mq_maxmsg = msg_max + 1;
            attr.mq_msgsize = 16;
            EXPECT_ERRNO(mq_open(name, O_RDWR | O_CREAT, 0600, &attr), EINVAL);
            attr.mq_maxmsg = 1;
            attr.mq_msgsize = msgsize_max + 1;
            EXPECT_ERRNO(mq_open(name, O_RDWR | O_CREAT, 0600, &attr), EINVAL);
            attr.mq_msgsize = msgsize_max;
            mqd_t made = EXPECT_OK(mq_open(name, O_RDWR | O_CREAT, 0600, &attr));
            mq_close(made);
            EXPECT_OK(mq_unlink(name));
        });
        EXPECT_EXITED(status, 0);
    }
}

TEST(mq_timed_receive_on_an_empty_queue_times_out)
{
    const char* name = "/haneul_mq_timeout";
    mqd_t queue = EXPECT_OK(open_queue(name, 2, 16));
    char buffer[16];
    timespec soon = after_ms(100);
    EXPECT_ERRNO(mq_timedreceive(queue, buffer, sizeof(buffer), nullptr, &soon), ETIMEDOUT);
    timespec past = { 0, 0 };
    EXPECT_ERRNO(mq_timedreceive(queue, buffer, sizeof(buffer), nullptr, &past), ETIMEDOUT);
    timespec invalid = { 0, 1000000000 };
    EXPECT_ERRNO(mq_timedreceive(queue, buffer, sizeof(buffer), nullptr, &invalid), EINVAL);
    // A full queue: a timed send times out the same way.
    EXPECT_OK(mq_send(queue, "a", 1, 0));
    EXPECT_OK(mq_send(queue, "b", 1, 0));
    soon = after_ms(50);
    EXPECT_ERRNO(mq_timedsend(queue, "c", 1, 0, &soon), ETIMEDOUT);
    // With a message there the deadline does not matter.
    EXPECT_EQ(mq_timedreceive(queue, buffer, sizeof(buffer), nullptr, &past), 1);
    mq_close(queue);
    mq_unlink(name);
}

TEST(mq_blocking_calls_wait_for_the_other_side_and_signals_interrupt_them)
{
    const char* name = "/haneul_mq_block";
    mqd_t queue = EXPECT_OK(open_queue(name, 1, 16));
    // A receiver blocked on the empty queue gets the message sent later.
    fflush(stdout);
    pid_t receiver = fork();
    if (receiver == 0) {
        char buffer[16] = {};
        unsigned priority = 0;
        if (mq_receive(queue, buffer, sizeof(buffer), &priority) != 5)
            _exit(1);
        _exit(strcmp(buffer, "late") == 0 && priority == 7 ? 0 : 2);
    }
    EXPECT_OK(mq_send(queue, "late", 5, 7));
    int status = -1;
    waitpid(receiver, &status, 0);
    EXPECT_EXITED(status, 0);

    // A sender blocked on the full queue goes on once there is room.
    EXPECT_OK(mq_send(queue, "first", 6, 0));
    fflush(stdout);
    pid_t sender = fork();
    if (sender == 0)
        _exit(mq_send(queue, "second", 7, 0) == 0 ? 0 : 1);
    char buffer[16];
    EXPECT_EQ(mq_receive(queue, buffer, sizeof(buffer), nullptr), 6);
    EXPECT_STREQ(buffer, "first");
    EXPECT_EQ(mq_receive(queue, buffer, sizeof(buffer), nullptr), 7); // waits for the sender
    EXPECT_STREQ(buffer, "second");
    waitpid(sender, &status, 0);
    EXPECT_EXITED(status, 0);

    // A signal whose handler does not ask for restarts ends the wait: EINTR.
    status = guest_test::in_child([&] {
        struct sigaction action {};
        action.sa_handler = on_alarm;
        sigaction(SIGALRM, &action, nullptr);
        itimerval timer {};
        timer.it_value.tv_usec = 50000;
        timer.it_interval.tv_usec = 50000; // again, should the first come before the wait
        setitimer(ITIMER_REAL, &timer, nullptr);
        char message[16];
        EXPECT_ERRNO(mq_receive(queue, message, sizeof(message), nullptr), EINTR);
        EXPECT_GE(g_alarms, 1);
    });
    EXPECT_EXITED(status, 0);
    mq_close(queue);
    mq_unlink(name);
}

TEST(mq_notify_signals_the_registered_process_once)
{
    const char* name = "/haneul_mq_notify";
    mqd_t queue = EXPECT_OK(open_queue(name, 4, 16));
    bool have_fs = mqueue_fs_available();
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigset_t old_mask;
    sigprocmask(SIG_BLOCK, &usr1, &old_mask);
    sigevent event {};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGUSR1;
    event.sigev_value.sival_int = 4242;
    EXPECT_OK(mq_notify(queue, &event));
    EXPECT_ERRNO(mq_notify(queue, &event), EBUSY); // one registration per queue
    // Another process may not register while we are; it sees our
    // registration in the queue's file. (Not this process: on Linux, any
    // close of the queue by its owner, even of another descriptor, ends the
    // registration.)
    pid_t owner = getpid();
    int status = guest_test::in_child([&] {
        if (have_fs) {
            char line[128];
            EXPECT(read_status(name, line, sizeof(line)));
            int qsize = -1, notify = -1, signo = -1, pid = -1;
            EXPECT_EQ(sscanf(line, "QSIZE:%d NOTIFY:%d SIGNO:%d NOTIFY_PID:%d", &qsize, &notify, &signo, &pid), 4);
            EXPECT_EQ(qsize, 0);
            EXPECT_EQ(notify, SIGEV_SIGNAL);
            EXPECT_EQ(signo, SIGUSR1);
            EXPECT_EQ(pid, owner);
        }
        sigevent none {};
        none.sigev_notify = SIGEV_NONE;
        EXPECT_ERRNO(mq_notify(queue, &none), EBUSY);
        EXPECT_OK(mq_notify(queue, nullptr)); // not the owner: no effect
    });
    EXPECT_EXITED(status, 0);

    // An unrelated process sends: the queue was empty, nobody was waiting.
    pid_t sender = start_role("mq-sender", name);
    EXPECT(sender > 0);
    waitpid(sender, &status, 0);
    EXPECT_EXITED(status, 0);
    siginfo_t info {};
    timespec wait_for = { 30, 0 };
    EXPECT_EQ(sigtimedwait(&usr1, &info, &wait_for), SIGUSR1);
    EXPECT_EQ(info.si_code, SI_MESGQ);
    EXPECT_EQ(info.si_value.sival_int, 4242);
    EXPECT_EQ(info.si_pid, sender);
    if (have_fs) {
        char line[128];
        EXPECT(read_status(name, line, sizeof(line)));
        int qsize = -1, notify = -1, signo = -1, pid = -1;
        EXPECT_EQ(sscanf(line, "QSIZE:%d NOTIFY:%d SIGNO:%d NOTIFY_PID:%d", &qsize, &notify, &signo, &pid), 4);
        EXPECT_EQ(qsize, 4); // "ping"
        EXPECT_EQ(pid, 0);   // used up
    }
    // Used up: a second message (queue not empty) sends nothing, and we
    // may register again; mq_notify(NULL) takes it back.
    EXPECT_OK(mq_send(queue, "x", 1, 0));
    timespec none_left = { 0, 0 };
    EXPECT_ERRNO(sigtimedwait(&usr1, &info, &none_left), EAGAIN);
    EXPECT_OK(mq_notify(queue, &event));
    EXPECT_OK(mq_notify(queue, nullptr));
    EXPECT_OK(mq_notify(queue, &event));
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    mq_close(queue);
    mq_unlink(name);
}

TEST(mq_descriptors_poll_and_show_in_dev_mqueue)
{
    const char* name = "/haneul_mq_poll";
    mqd_t queue = EXPECT_OK(open_queue(name, 1, 16));
    pollfd fds { queue, POLLIN | POLLOUT, 0 };
    EXPECT_EQ(poll(&fds, 1, 0), 1);
    EXPECT_EQ(fds.revents, POLLOUT);
    EXPECT_OK(mq_send(queue, "hello", 5, 1));
    fds.revents = 0;
    EXPECT_EQ(poll(&fds, 1, 0), 1);
    EXPECT_EQ(fds.revents, POLLIN);
    if (!mqueue_fs_available()) {
        guest_test::skip("no mqueue file system at /dev/mqueue");
    } else {
        struct stat st;
        EXPECT_OK(stat("/dev/mqueue/haneul_mq_poll", &st));
        EXPECT_EQ(st.st_mode & 0777, 0600);
        EXPECT_EQ(st.st_uid, geteuid());
        char line[128];
        EXPECT(read_status(name, line, sizeof(line)));
        EXPECT(strncmp(line, "QSIZE:5 ", 8) == 0);
        // ls lists the queues.
        bool listed = false;
        if (DIR* dir = opendir("/dev/mqueue")) {
            while (dirent* entry = readdir(dir))
                listed = listed || !strcmp(entry->d_name, "haneul_mq_poll");
            closedir(dir);
        }
        EXPECT(listed);
        // Only queues live there; open(O_CREAT) makes one with the
        // default attributes.
        EXPECT_ERRNO(mkdir("/dev/mqueue/haneul_dir", 0755), EPERM);
        unlink("/dev/mqueue/haneul_mq_made");
        int made = EXPECT_OK(open("/dev/mqueue/haneul_mq_made", O_RDWR | O_CREAT | O_EXCL, 0600));
        close(made);
        mqd_t opened = EXPECT_OK(mq_open("/haneul_mq_made", O_RDWR));
        mq_attr attr {};
        EXPECT_OK(mq_getattr(opened, &attr));
        EXPECT_GT(attr.mq_maxmsg, 0);
        EXPECT_GT(attr.mq_msgsize, 0);
        mq_close(opened);
        EXPECT_OK(mq_unlink("/haneul_mq_made"));
        // unlink(2) there is mq_unlink.
        EXPECT_OK(unlink("/dev/mqueue/haneul_mq_poll"));
        EXPECT_ERRNO(mq_open(name, O_RDWR), ENOENT);
    }
    // The queue lives while a descriptor holds it.
    char buffer[16];
    EXPECT_EQ(mq_receive(queue, buffer, sizeof(buffer), nullptr), 5);
    mq_close(queue);
    mq_unlink(name);
}

int main(int argc, char** argv)
{
    g_self = argv[0];
    if (argc == 3) {
        if (!strcmp(argv[1], "shm-reader"))
            return role_shm_reader(argv[2]);
        if (!strcmp(argv[1], "cond-partner"))
            return role_cond_partner(argv[2]);
        if (!strcmp(argv[1], "consumer"))
            return role_consumer(argv[2]);
        if (!strcmp(argv[1], "mq-sender"))
            return role_mq_sender(argv[2]);
        return 100;
    }
    return guest_test::run_tests();
}
