/* /tests/bin/basic_musl_test: basic process, file, memory and thread calls
 * made the way musl makes them (musl-gcc -static: clone rather than
 * clone3, SYS_open/SYS_stat-style calls, writev for stdio, its own TLS
 * set-up through arch_prctl). With "--probe" (from exec_test) it prints
 * "musl ok" after starting a thread. */
#define _GNU_SOURCE
#include "guest_test_c.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

static char g_dir[64];

static int make_scratch(void)
{
    strcpy(g_dir, "/tmp/gt_musl_XXXXXX");
    return mkdtemp(g_dir) != NULL;
}

static void path_in_scratch(char* out, size_t size, const char* name)
{
    snprintf(out, size, "%s/%s", g_dir, name);
}

TEST(getpid_getppid_and_gettid)
{
    pid_t pid = getpid();
    pid_t child;
    int status = 0;
    EXPECT(pid > 0);
    EXPECT_EQ(syscall(SYS_gettid), pid);
    child = fork();
    if (child == 0)
        _exit(getppid() == pid ? 0 : 1);
    EXPECT(child > 0);
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(fork_exit_status_and_copy_on_write)
{
    static volatile int value = 1;
    int status = 0;
    pid_t child = fork();
    if (child == 0) {
        value = 2;
        _exit(value == 2 ? 42 : 1);
    }
    EXPECT(child > 0);
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 42);
    EXPECT_EQ(value, 1);
    EXPECT_ERRNO(waitpid(-1, &status, WNOHANG), ECHILD);
}

TEST(execve_missing_file_enoent)
{
    char* argv[] = { "missing", NULL };
    char* envp[] = { NULL };
    EXPECT_ERRNO(execve("/nonexistent/program", argv, envp), ENOENT);
}

TEST(file_create_write_read_seek_unlink)
{
    char path[128];
    char buffer[32];
    struct stat st;
    int fd;
    mode_t mask = umask(0);
    umask(mask);
    EXPECT(make_scratch());
    path_in_scratch(path, sizeof(path), "file");
    fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0640);
    EXPECT(fd >= 0);
    EXPECT_ERRNO(open(path, O_CREAT | O_EXCL | O_RDWR, 0640), EEXIST);
    EXPECT_EQ(write(fd, "hello musl", 10), 10);
    EXPECT_EQ(lseek(fd, 6, SEEK_SET), 6);
    memset(buffer, 0, sizeof(buffer));
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 4);
    EXPECT(memcmp(buffer, "musl", 4) == 0);
    EXPECT_EQ(pread(fd, buffer, 5, 0), 5);
    EXPECT(memcmp(buffer, "hello", 5) == 0);
    EXPECT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 10);
    EXPECT(S_ISREG(st.st_mode));
    EXPECT_OK(stat(path, &st));
    EXPECT_EQ(st.st_mode & 0777, 0640 & ~mask);
    EXPECT_OK(close(fd));
    EXPECT_ERRNO(close(fd), EBADF);
    EXPECT_OK(unlink(path));
    EXPECT_ERRNO(open(path, O_RDONLY), ENOENT);
    EXPECT_ERRNO(read(-1, buffer, 1), EBADF);
    EXPECT_OK(rmdir(g_dir));
}

TEST(directories_and_readdir)
{
    char path[128];
    DIR* dir;
    struct dirent* entry;
    int seen = 0;
    EXPECT(make_scratch());
    path_in_scratch(path, sizeof(path), "sub");
    EXPECT_OK(mkdir(path, 0755));
    EXPECT_ERRNO(mkdir(path, 0755), EEXIST);
    path_in_scratch(path, sizeof(path), "sub/inner");
    EXPECT_OK(mkdir(path, 0755));
    path_in_scratch(path, sizeof(path), "sub");
    EXPECT_ERRNO(rmdir(path), ENOTEMPTY);
    dir = opendir(path);
    EXPECT(dir != NULL);
    while ((entry = readdir(dir)) != NULL)
        seen += strcmp(entry->d_name, "inner") == 0;
    closedir(dir);
    EXPECT_EQ(seen, 1);
    path_in_scratch(path, sizeof(path), "sub/inner");
    EXPECT_OK(rmdir(path));
    path_in_scratch(path, sizeof(path), "sub");
    EXPECT_OK(rmdir(path));
    EXPECT_OK(rmdir(g_dir));
}

TEST(pipe_dup2_and_writev)
{
    int fds[2];
    int copy;
    char buffer[16];
    struct iovec parts[2] = { { "ab", 2 }, { "cde", 3 } };
    EXPECT_OK(pipe(fds));
    copy = dup(fds[1]);
    EXPECT(copy >= 0);
    EXPECT_EQ(writev(copy, parts, 2), 5);
    EXPECT_EQ(dup2(fds[0], 50), 50);
    memset(buffer, 0, sizeof(buffer));
    EXPECT_EQ(read(50, buffer, sizeof(buffer)), 5);
    EXPECT(memcmp(buffer, "abcde", 5) == 0);
    close(copy);
    close(fds[1]);
    EXPECT_EQ(read(50, buffer, sizeof(buffer)), 0);
    close(50);
    close(fds[0]);
}

TEST(mmap_munmap_mprotect)
{
    char* memory = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int status = 0;
    pid_t child;
    EXPECT(memory != MAP_FAILED);
    EXPECT_EQ(memory[4096], 0);
    memory[4096] = 'm';
    EXPECT_OK(mprotect(memory, 8192, PROT_READ));
    EXPECT_EQ(memory[4096], 'm');
    child = fork();
    if (child == 0) {
        memory[0] = 1; /* read-only: SIGSEGV */
        _exit(0);
    }
    EXPECT_EQ(waitpid(child, &status, 0), child);
    EXPECT(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGSEGV);
    EXPECT_OK(munmap(memory, 8192));
    EXPECT_ERRNO(munmap(memory + 1, 4096), EINVAL);
}

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static long g_counter;
static __thread int t_value = 7;

static void* increment(void* argument)
{
    int i;
    (void)argument;
    for (i = 0; i < 20000; ++i) {
        pthread_mutex_lock(&g_mutex);
        ++g_counter;
        pthread_mutex_unlock(&g_mutex);
    }
    return NULL;
}

TEST(threads_mutex_increments_exact)
{
    pthread_t threads[4];
    int i;
    g_counter = 0;
    for (i = 0; i < 4; ++i)
        EXPECT_EQ(pthread_create(&threads[i], NULL, increment, NULL), 0);
    for (i = 0; i < 4; ++i)
        EXPECT_EQ(pthread_join(threads[i], NULL), 0);
    EXPECT_EQ(g_counter, 80000);
}

static void* tls_and_ids(void* argument)
{
    intptr_t index = (intptr_t)argument;
    if (t_value != 7)
        return (void*)-1;
    t_value = (int)index;
    if (syscall(SYS_gettid) == getpid())
        return (void*)-2;
    return (void*)(intptr_t)(t_value * 10);
}

TEST(threads_tls_ids_and_join_values)
{
    pthread_t threads[3];
    intptr_t i;
    t_value = 100;
    for (i = 0; i < 3; ++i)
        EXPECT_EQ(pthread_create(&threads[i], NULL, tls_and_ids, (void*)i), 0);
    for (i = 0; i < 3; ++i) {
        void* result = NULL;
        EXPECT_EQ(pthread_join(threads[i], &result), 0);
        EXPECT_EQ((intptr_t)result, i * 10);
    }
    EXPECT_EQ(t_value, 100);
}

static pthread_cond_t g_changed = PTHREAD_COND_INITIALIZER;
static int g_turn;

static void* pong(void* argument)
{
    int i;
    (void)argument;
    for (i = 0; i < 200; ++i) {
        pthread_mutex_lock(&g_mutex);
        while (g_turn % 2 == 0)
            pthread_cond_wait(&g_changed, &g_mutex);
        ++g_turn;
        pthread_cond_signal(&g_changed);
        pthread_mutex_unlock(&g_mutex);
    }
    return NULL;
}

TEST(condition_variable_ping_pong)
{
    pthread_t thread;
    int i;
    g_turn = 0;
    EXPECT_EQ(pthread_create(&thread, NULL, pong, NULL), 0);
    for (i = 0; i < 200; ++i) {
        pthread_mutex_lock(&g_mutex);
        while (g_turn % 2 == 1)
            pthread_cond_wait(&g_changed, &g_mutex);
        ++g_turn;
        pthread_cond_signal(&g_changed);
        pthread_mutex_unlock(&g_mutex);
    }
    EXPECT_EQ(pthread_join(thread, NULL), 0);
    EXPECT_EQ(g_turn, 400);
}

TEST(clocks_and_sleep)
{
    struct timespec before, after, request = { 0, 20 * 1000 * 1000 };
    long long elapsed;
    EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &before));
    EXPECT_OK(nanosleep(&request, NULL));
    EXPECT_OK(clock_gettime(CLOCK_MONOTONIC, &after));
    elapsed = (after.tv_sec - before.tv_sec) * 1000000000LL + (after.tv_nsec - before.tv_nsec);
    EXPECT(elapsed >= 20000000LL);
    EXPECT_OK(clock_gettime(CLOCK_REALTIME, &after));
    EXPECT(after.tv_sec > 1700000000L); /* after November 2023 */
}

static void* nothing(void* argument)
{
    return argument;
}

int main(int argc, char** argv)
{
    if (argc >= 2 && strcmp(argv[1], "--probe") == 0) {
        pthread_t thread;
        void* result = NULL;
        if (pthread_create(&thread, NULL, nothing, (void*)5) != 0 || pthread_join(thread, &result) != 0 || result != (void*)5)
            return 1;
        printf("musl ok\n");
        return 0;
    }
    return run_tests();
}
