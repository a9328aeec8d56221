// procfs (issue 5 item 4, CONCEPTS C9): the files a process's tools read,
// in Linux's formats: /proc/<pid>/{environ, maps, fd/, fdinfo/, exe, cwd,
// root, limits, task/<tid>/...}, /proc/self and thread-self, and the
// system files /proc/{interrupts, devices, sys/kernel/...}. Every check
// holds on Linux too.
#include "guest_test.h"
#include <climits>
#include <dirent.h>
#include <pthread.h>
#include <string>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <vector>

extern char** environ;

namespace {

std::string read_file(const char* path)
{
    std::string text;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return text;
    char buffer[4096];
    ssize_t got;
    while ((got = read(fd, buffer, sizeof(buffer))) > 0)
        text.append(buffer, static_cast<size_t>(got));
    close(fd);
    return text;
}

std::string read_link(const char* path)
{
    char buffer[PATH_MAX];
    ssize_t length = readlink(path, buffer, sizeof(buffer) - 1);
    if (length < 0)
        return "";
    return std::string(buffer, static_cast<size_t>(length));
}

std::vector<std::string> lines_of(std::string const& text)
{
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::vector<std::string> directory_names(const char* path)
{
    std::vector<std::string> names;
    DIR* directory = opendir(path);
    if (!directory)
        return names;
    while (dirent* entry = readdir(directory)) {
        if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
            names.push_back(entry->d_name);
    }
    closedir(directory);
    return names;
}

bool contains(std::vector<std::string> const& names, const char* name)
{
    for (auto const& entry : names) {
        if (entry == name)
            return true;
    }
    return false;
}

}

TEST(environ_holds_the_initial_environment)
{
    // A child exec'd with a known environment shows exactly it.
    int pipe_fds[2];
    EXPECT_OK(pipe(pipe_fds));
    pid_t child = fork();
    if (child == 0) {
        close(pipe_fds[0]);
        dup2(pipe_fds[1], 1);
        char const* argv[] = { "/bin/sh", "-c", "cat /proc/$$/environ", nullptr };
        char const* envp[] = { "HANEUL_A=1", "HANEUL_B=two words", nullptr };
        execve("/bin/sh", const_cast<char**>(argv), const_cast<char**>(envp));
        _exit(127);
    }
    close(pipe_fds[1]);
    std::string text;
    char buffer[512];
    ssize_t got;
    while ((got = read(pipe_fds[0], buffer, sizeof(buffer))) > 0)
        text.append(buffer, static_cast<size_t>(got));
    close(pipe_fds[0]);
    int status = 0;
    EXPECT_OK(waitpid(child, &status, 0));
    EXPECT_EXITED(status, 0);
    // sh may add PWD and friends to its own environment later, but
    // environ shows what exec gave it.
    EXPECT(text.find(std::string("HANEUL_A=1\0HANEUL_B=two words\0", 30)) != std::string::npos);
}

TEST(environ_is_private_to_the_owner)
{
    struct stat info;
    EXPECT_OK(stat("/proc/self/environ", &info));
    EXPECT_EQ(info.st_mode & 0777, 0400u);
}

TEST(maps_lists_the_program_heap_stack_and_new_mappings)
{
    void* area = mmap(nullptr, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(area != MAP_FAILED);
    EXPECT_OK(mprotect(static_cast<char*>(area) + 4096, 4096, PROT_READ));
    // Make sure the heap exists.
    void* grown = sbrk(8192);
    EXPECT(grown != reinterpret_cast<void*>(-1));
    std::string exe = read_link("/proc/self/exe");
    auto lines = lines_of(read_file("/proc/self/maps"));
    EXPECT_GE(lines.size(), 4u);
    bool saw_program_text = false, saw_stack = false, saw_heap = false, saw_area = false, saw_readonly = false;
    unsigned long previous_end = 0;
    for (auto const& line : lines) {
        unsigned long start = 0, end = 0, offset = 0, inode = 0;
        char perms[5] = {};
        unsigned major = 0, minor = 0;
        int consumed = 0;
        EXPECT_EQ(sscanf(line.c_str(), "%lx-%lx %4s %lx %x:%x %lu %n", &start, &end, perms, &offset, &major, &minor,
                      &inode, &consumed),
            7);
        EXPECT(start < end);
        EXPECT(start >= previous_end); // sorted, not overlapping
        previous_end = end;
        std::string name = line.size() > 73 ? line.substr(73) : "";
        if (!name.empty())
            EXPECT_EQ(line[72], ' '); // the name starts at column 73
        if (name == exe && perms[2] == 'x')
            saw_program_text = inode != 0;
        saw_stack |= name == "[stack]" && perms[0] == 'r' && perms[1] == 'w';
        saw_heap |= name == "[heap]";
        if (start == reinterpret_cast<unsigned long>(area))
            saw_area = strcmp(perms, "rw-p") == 0 && end == start + 4096 && name.empty();
        if (start == reinterpret_cast<unsigned long>(area) + 4096)
            saw_readonly = strcmp(perms, "r--p") == 0;
    }
    EXPECT(saw_program_text);
    EXPECT(saw_stack);
    EXPECT(saw_heap);
    EXPECT(saw_area);
    EXPECT(saw_readonly);
    munmap(area, 3 * 4096);
}

TEST(fd_directory_lists_descriptors_as_links)
{
    int file = open("/proc/self/stat", O_RDONLY);
    EXPECT_GE(file, 0);
    int pipe_fds[2];
    EXPECT_OK(pipe2(pipe_fds, O_CLOEXEC));
    int directory = open("/", O_RDONLY | O_DIRECTORY);
    EXPECT_GE(directory, 0);

    auto names = directory_names("/proc/self/fd");
    char name[16];
    snprintf(name, sizeof(name), "%d", file);
    EXPECT(contains(names, name));
    snprintf(name, sizeof(name), "%d", pipe_fds[1]);
    EXPECT(contains(names, name));

    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", file);
    EXPECT(read_link(path).find("/stat") != std::string::npos);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", directory);
    EXPECT_STREQ(read_link(path).c_str(), "/");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", pipe_fds[0]);
    std::string target = read_link(path);
    EXPECT_EQ(target.rfind("pipe:[", 0), 0u);
    // The mode of the link says how the file is open.
    struct stat info;
    EXPECT_OK(lstat(path, &info));
    EXPECT(S_ISLNK(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0500u);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", pipe_fds[1]);
    EXPECT_OK(lstat(path, &info));
    EXPECT_EQ(info.st_mode & 0777, 0300u);
    // A closed descriptor is gone.
    close(directory);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", directory);
    EXPECT_ERRNO(readlink(path, name, sizeof(name)), ENOENT);
    close(file);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

TEST(fd_link_of_an_unlinked_file_says_deleted)
{
    const char* path = "/tmp/procfs_test_deleted";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    EXPECT_STREQ(read_link(link).c_str(), path);
    EXPECT_OK(unlink(path));
    // Linux keeps the old name; Haneul's inodes do not know theirs, and
    // once no directory lists the file it is named by inode. Either way
    // the link says " (deleted)", which is what tools look for.
    std::string target = read_link(link);
    EXPECT(target.size() > 10 && target.compare(target.size() - 10, 10, " (deleted)") == 0);
    close(fd);
}

TEST(fdinfo_shows_position_and_flags)
{
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    EXPECT_GE(fd, 0);
    char buffer[10];
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 10);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    std::string text = read_file(path);
    long long position = -1;
    unsigned flags = 0;
    EXPECT_EQ(sscanf(text.c_str(), "pos:\t%lld\nflags:\t%o\n", &position, &flags), 2);
    EXPECT_EQ(position, 10);
    EXPECT(flags & O_CLOEXEC);
    EXPECT(flags & O_NONBLOCK);
    EXPECT_EQ(flags & O_ACCMODE, static_cast<unsigned>(O_RDONLY));
    EXPECT(text.find("\nino:\t") != std::string::npos);
    close(fd);
}

TEST(exe_cwd_and_root_links)
{
    std::string exe = read_link("/proc/self/exe");
    EXPECT(!exe.empty());
    EXPECT_EQ(exe[0], '/');
    struct stat by_link, by_path;
    EXPECT_OK(stat("/proc/self/exe", &by_link));
    EXPECT_OK(stat(exe.c_str(), &by_path));
    EXPECT_EQ(by_link.st_ino, by_path.st_ino);

    char saved[PATH_MAX];
    EXPECT(getcwd(saved, sizeof(saved)) != nullptr);
    EXPECT_OK(mkdir("/tmp/procfs_test_cwd", 0755));
    EXPECT_OK(chdir("/tmp/procfs_test_cwd"));
    EXPECT_STREQ(read_link("/proc/self/cwd").c_str(), "/tmp/procfs_test_cwd");
    EXPECT_OK(chdir(saved));
    EXPECT_OK(rmdir("/tmp/procfs_test_cwd"));
    EXPECT_STREQ(read_link("/proc/self/root").c_str(), "/");
}

TEST(limits_match_getrlimit)
{
    struct rlimit files;
    EXPECT_OK(getrlimit(RLIMIT_NOFILE, &files));
    struct rlimit lowered = { files.rlim_cur > 100 ? 100 : files.rlim_cur, files.rlim_max };
    EXPECT_OK(setrlimit(RLIMIT_NOFILE, &lowered));
    auto lines = lines_of(read_file("/proc/self/limits"));
    EXPECT_EQ(lines.size(), 17u);
    EXPECT_EQ(lines[0].rfind("Limit                     Soft Limit           Hard Limit           Units", 0), 0u);
    bool saw_files = false, saw_nice = false;
    for (auto const& line : lines) {
        if (line.rfind("Max open files", 0) == 0) {
            char expected[128];
            snprintf(expected, sizeof(expected), "%-25s %-20lu %-20lu %-10s", "Max open files",
                static_cast<unsigned long>(lowered.rlim_cur), static_cast<unsigned long>(lowered.rlim_max), "files");
            EXPECT_STREQ(line.c_str(), expected);
            saw_files = true;
        }
        if (line.rfind("Max nice priority", 0) == 0)
            saw_nice = true;
    }
    EXPECT(saw_files);
    EXPECT(saw_nice);
    EXPECT_OK(setrlimit(RLIMIT_NOFILE, &files));
}

namespace {

void* sleeping_thread(void* argument)
{
    auto* stop = static_cast<volatile bool*>(argument);
    while (!*stop)
        usleep(1000);
    return nullptr;
}

}

TEST(thread_self_and_task_directories)
{
    volatile bool stop = false;
    pthread_t thread;
    EXPECT_EQ(pthread_create(&thread, nullptr, sleeping_thread, const_cast<bool*>(&stop)), 0);
    char expected[64];
    snprintf(expected, sizeof(expected), "%d/task/%ld", getpid(), static_cast<long>(syscall(SYS_gettid)));
    EXPECT_STREQ(read_link("/proc/thread-self").c_str(), expected);
    auto tasks = directory_names("/proc/self/task");
    EXPECT_EQ(tasks.size(), 2u);
    char main_tid[16];
    snprintf(main_tid, sizeof(main_tid), "%d", getpid());
    EXPECT(contains(tasks, main_tid));
    for (auto const& tid : tasks) {
        std::string path = "/proc/self/task/" + tid + "/stat";
        std::string stat = read_file(path.c_str());
        EXPECT_EQ(stat.rfind(tid + " (", 0), 0u);
        path = "/proc/self/task/" + tid + "/comm";
        EXPECT(!read_file(path.c_str()).empty());
    }
    stop = true;
    pthread_join(thread, nullptr);
}

TEST(interrupts_has_a_column_per_cpu_and_counts_the_timer)
{
    auto lines = lines_of(read_file("/proc/interrupts"));
    EXPECT_GE(lines.size(), 2u);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int columns = 0;
    for (size_t at = lines[0].find("CPU"); at != std::string::npos; at = lines[0].find("CPU", at + 1))
        ++columns;
    EXPECT_EQ(columns, cpus);
    // Something keeps time: the local APIC timer (LOC) or IRQ 0 counts.
    bool timer_counts = false;
    for (auto const& line : lines) {
        unsigned long count = 0;
        if ((line.find("LOC:") != std::string::npos || line.find(" 0:") == 0)
            && sscanf(line.c_str() + line.find(':') + 1, "%lu", &count) == 1)
            timer_counts |= count > 0;
    }
    EXPECT(timer_counts);
}

TEST(devices_lists_character_devices)
{
    std::string text = read_file("/proc/devices");
    EXPECT_EQ(text.rfind("Character devices:\n", 0), 0u);
    EXPECT(text.find("  1 mem\n") != std::string::npos);
    EXPECT(text.find("  5 /dev/tty\n") != std::string::npos);
    EXPECT(text.find("\nBlock devices:\n") != std::string::npos);
}

TEST(sys_kernel_files)
{
    for (const char* name : { "pid_max", "threads-max" }) {
        std::string path = std::string("/proc/sys/kernel/") + name;
        long value = atol(read_file(path.c_str()).c_str());
        EXPECT_GT(value, 0);
    }
    EXPECT_STREQ(read_file("/proc/sys/kernel/ostype").c_str(), "Linux\n");
    EXPECT(!read_file("/proc/sys/kernel/osrelease").empty());
    EXPECT(!read_file("/proc/sys/kernel/hostname").empty());
}

TEST(zombie_shows_z_until_waited)
{
    pid_t child = fork();
    if (child == 0)
        _exit(3);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", child);
    char state = 0;
    for (int tries = 0; tries < 500 && state != 'Z'; ++tries) {
        std::string stat = read_file(path);
        size_t close_paren = stat.rfind(')');
        if (close_paren != std::string::npos && close_paren + 2 < stat.size())
            state = stat[close_paren + 2];
        if (state != 'Z')
            usleep(2000);
    }
    EXPECT_EQ(state, 'Z');
    int status = 0;
    EXPECT_OK(waitpid(child, &status, 0));
    EXPECT_EXITED(status, 3);
    EXPECT_ERRNO(open(path, O_RDONLY), ENOENT);
}

TEST(stat_shows_the_controlling_terminal_and_its_foreground_group)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0)
        SKIP("no pseudo-terminals here");
    EXPECT_OK(grantpt(master));
    EXPECT_OK(unlockpt(master));
    std::string slave_path = ptsname(master);
    int status = guest_test::in_child([&] {
        EXPECT_OK(setsid());
        // A session leader opening a terminal without O_NOCTTY acquires it.
        int slave = EXPECT_OK(open(slave_path.c_str(), O_RDWR));
        struct stat info;
        EXPECT_OK(fstat(slave, &info));
        std::string stat = read_file("/proc/self/stat");
        size_t close_paren = stat.rfind(')');
        int ppid = 0, pgrp = 0, session = 0, tty_nr = 0, tpgid = 0;
        char state = 0;
        EXPECT_EQ(sscanf(stat.c_str() + close_paren + 2, "%c %d %d %d %d %d", &state, &ppid, &pgrp, &session, &tty_nr, &tpgid), 6);
        unsigned major_number = major(info.st_rdev), minor_number = minor(info.st_rdev);
        int encoded = static_cast<int>((minor_number & 0xff) | (major_number << 8) | ((minor_number & ~0xffu) << 12));
        EXPECT_EQ(tty_nr, encoded);
        EXPECT_EQ(tpgid, getpgrp());
        EXPECT_EQ(session, getpid());
        close(slave);
    });
    EXPECT_EXITED(status, 0);
    // Without a controlling terminal: 0 and -1.
    status = guest_test::in_child([] {
        EXPECT_OK(setsid());
        std::string stat = read_file("/proc/self/stat");
        size_t close_paren = stat.rfind(')');
        int ppid = 0, pgrp = 0, session = 0, tty_nr = -5, tpgid = 0;
        char state = 0;
        EXPECT_EQ(sscanf(stat.c_str() + close_paren + 2, "%c %d %d %d %d %d", &state, &ppid, &pgrp, &session, &tty_nr, &tpgid), 6);
        EXPECT_EQ(tty_nr, 0);
        EXPECT_EQ(tpgid, -1);
    });
    EXPECT_EXITED(status, 0);
    close(master);
}

TEST(missing_process_files_give_enoent)
{
    EXPECT_ERRNO(open("/proc/999999/maps", O_RDONLY), ENOENT);
    EXPECT_ERRNO(open("/proc/self/fd/99999", O_RDONLY), ENOENT);
    EXPECT_ERRNO(open("/proc/self/fdinfo/x", O_RDONLY), ENOENT);
    char buffer[8];
    EXPECT_ERRNO(readlink("/proc/self/stat", buffer, sizeof(buffer)), EINVAL);
}

int main() { return guest_test::run_tests(); }
