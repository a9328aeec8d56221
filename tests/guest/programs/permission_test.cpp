// Users and permissions (CONCEPTS A1, security manager): what an ordinary
// user may not do, what root may, and how a process changes who it is.
// Runs as root (Haneul's test boots are; on Linux run it with sudo): each
// test forks children that drop to uid 1000/1001 or nobody and check the
// errno Linux gives. Without root every test says SKIP.
//
// The program also serves as its own set-user-ID helper: run as
// `permission_test --report-ids`, it prints its real, effective and saved
// uid and gid and AT_SECURE, and exits.
#include "guest_files.h"
#include "guest_test.h"

#include <grp.h>
#include <sched.h>
#include <string>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/fsuid.h>
#include <sys/time.h>
#include <time.h>

namespace {

constexpr uid_t kUser = 1000;
constexpr uid_t kOther = 1001;
constexpr uid_t kNobody = 65534;
constexpr uid_t kOwner = 1234; // owns the set-user-ID copy of this program

// Every id of the process becomes uid/gid, with no supplementary groups.
// Returns false (and fails the test) when that did not work, so a child
// never goes on as root by mistake.
bool become(uid_t uid, gid_t gid)
{
    if (setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
        guest_test::fail(__FILE__, __LINE__, "could not drop to the test user");
        return false;
    }
    return true;
}

#define BECOME(uid, gid)          \
    do {                          \
        if (!become((uid), (gid))) \
            return;               \
    } while (0)

#define NEED_ROOT()                                         \
    do {                                                    \
        if (geteuid() != 0)                                 \
            SKIP("needs root (run with sudo on Linux)");    \
    } while (0)

// A scratch directory everyone may enter.
struct OpenScratch : guest_files::Scratch {
    explicit OpenScratch(const char* name)
        : guest_files::Scratch(name)
    {
        chmod(path().c_str(), 0755);
    }
};

bool make_file(std::string const& path, mode_t mode, uid_t uid, gid_t gid)
{
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return false;
    bool ok = write(fd, "data", 4) == 4;
    close(fd);
    return ok && chown(path.c_str(), uid, gid) == 0 && chmod(path.c_str(), mode) == 0;
}

// This program's own file: argv[0] (the runner and the harness start it
// by its absolute path).
const char* g_self = nullptr;

// A copy of this program at `path`, for the exec tests.
bool copy_self(std::string const& path)
{
    int in = open(g_self, O_RDONLY);
    if (in < 0)
        return false;
    int out = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (out < 0) {
        close(in);
        return false;
    }
    char buffer[65536];
    bool ok = true;
    for (;;) {
        ssize_t got = read(in, buffer, sizeof(buffer));
        if (got <= 0) {
            ok = got == 0;
            break;
        }
        if (write(out, buffer, got) != got) {
            ok = false;
            break;
        }
    }
    close(in);
    close(out);
    return ok;
}

mode_t mode_of(std::string const& path)
{
    struct stat st {};
    if (stat(path.c_str(), &st) != 0)
        return 0;
    return st.st_mode & 07777;
}

// Runs `program --report-ids` as the current user and returns what it
// printed ("ruid euid suid rgid egid sgid secure"), or "" on failure.
std::string run_report(std::string const& program)
{
    int fds[2];
    if (pipe(fds) != 0)
        return "";
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        char* argv[] = { const_cast<char*>(program.c_str()), const_cast<char*>("--report-ids"), nullptr };
        execv(program.c_str(), argv);
        _exit(127);
    }
    close(fds[1]);
    char text[128] = {};
    ssize_t length = 0;
    for (;;) {
        ssize_t got = read(fds[0], text + length, sizeof(text) - 1 - length);
        if (got <= 0)
            break;
        length += got;
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return "";
    while (length > 0 && text[length - 1] == '\n')
        --length;
    text[length] = 0;
    return text;
}

// The "Uid:" or "Gid:" line of /proc/self/status, without its label.
std::string status_line(const char* label)
{
    FILE* file = fopen("/proc/self/status", "r");
    if (!file)
        return "";
    char line[256];
    std::string found;
    while (fgets(line, sizeof(line), file)) {
        if (strncmp(line, label, strlen(label)) == 0) {
            found = line + strlen(label);
            break;
        }
    }
    fclose(file);
    while (!found.empty() && (found.back() == '\n' || found.back() == ' '))
        found.pop_back();
    while (!found.empty() && (found.front() == '\t' || found.front() == ' '))
        found.erase(0, 1);
    return found;
}

}

constexpr int kCapSysResource = 24;

// Whether the effective capability set (CapEff: in /proc/self/status) has
// capability `bit`.
bool has_capability(int bit)
{
    std::string mask = status_line("CapEff:");
    if (mask.empty())
        return false;
    return (strtoull(mask.c_str(), nullptr, 16) >> bit) & 1;
}

TEST(open_needs_read_or_write_permission)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string secret = dir / "secret", shared = dir / "shared", mine = dir / "mine";
    EXPECT(make_file(secret, 0600, 0, 0));
    EXPECT(make_file(shared, 0644, 0, 0));
    EXPECT(make_file(mine, 0200, kUser, kUser));
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_ERRNO(open(secret.c_str(), O_RDONLY), EACCES);
        EXPECT_ERRNO(open(secret.c_str(), O_WRONLY), EACCES);
        close(EXPECT_OK(open(shared.c_str(), O_RDONLY)));
        EXPECT_ERRNO(open(shared.c_str(), O_WRONLY), EACCES);
        EXPECT_ERRNO(open(shared.c_str(), O_RDWR), EACCES);
        EXPECT_ERRNO(open(shared.c_str(), O_RDONLY | O_TRUNC), EACCES);
        EXPECT_ERRNO(truncate(shared.c_str(), 0), EACCES);
        // The owner class decides alone: write-only for the owner, even
        // though "other" may read.
        EXPECT_OK(chmod(mine.c_str(), 0204));
        EXPECT_ERRNO(open(mine.c_str(), O_RDONLY), EACCES);
        int fd = EXPECT_OK(open(mine.c_str(), O_WRONLY));
        EXPECT_EQ(write(fd, "x", 1), 1);
        close(fd);
        EXPECT_ERRNO(access(secret.c_str(), R_OK), EACCES);
        EXPECT_OK(access(shared.c_str(), R_OK));
    });
    EXPECT_EXITED(status, 0);
}

TEST(group_class_and_supplementary_groups)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string file = dir / "group";
    EXPECT(make_file(file, 0640, 0, 100));
    int status = guest_test::in_child([&] {
        gid_t groups[] = { 100 };
        EXPECT_OK(setgroups(1, groups));
        EXPECT_OK(setresgid(kUser, kUser, kUser));
        EXPECT_OK(setresuid(kUser, kUser, kUser));
        close(EXPECT_OK(open(file.c_str(), O_RDONLY)));
        EXPECT_ERRNO(open(file.c_str(), O_WRONLY), EACCES);
        EXPECT_EQ(getgroups(0, nullptr), 1);
    });
    EXPECT_EXITED(status, 0);
    status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_ERRNO(open(file.c_str(), O_RDONLY), EACCES);
    });
    EXPECT_EXITED(status, 0);
}

TEST(path_walk_needs_search_permission)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string closed = dir / "closed", listable = dir / "listable", blind = dir / "blind";
    for (auto const& d : { closed, listable, blind }) {
        EXPECT_OK(mkdir(d.c_str(), 0755));
        EXPECT(make_file(d + "/file", 0644, 0, 0));
    }
    EXPECT_OK(chmod(closed.c_str(), 0700));
    EXPECT_OK(chmod(listable.c_str(), 0744)); // read, no search
    EXPECT_OK(chmod(blind.c_str(), 0711));    // search, no read
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        struct stat st;
        EXPECT_ERRNO(stat((closed + "/file").c_str(), &st), EACCES);
        EXPECT_ERRNO(open((closed + "/file").c_str(), O_RDONLY), EACCES);
        EXPECT_ERRNO(chdir(closed.c_str()), EACCES);
        EXPECT_ERRNO(stat((listable + "/file").c_str(), &st), EACCES);
        close(EXPECT_OK(open(listable.c_str(), O_RDONLY | O_DIRECTORY)));
        EXPECT_OK(stat((blind + "/file").c_str(), &st));
        EXPECT_ERRNO(open(blind.c_str(), O_RDONLY | O_DIRECTORY), EACCES);
        // Not even the last component's existence shows through.
        EXPECT_ERRNO(stat((closed + "/missing").c_str(), &st), EACCES);
    });
    EXPECT_EXITED(status, 0);
}

TEST(root_overrides_permission_bits)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string locked = dir / "locked", file = dir / "none";
    EXPECT_OK(mkdir(locked.c_str(), 0000));
    EXPECT(make_file(locked + "/inside", 0000, kUser, kUser));
    EXPECT(make_file(file, 0000, kUser, kUser));
    int fd = EXPECT_OK(open(file.c_str(), O_RDWR));
    close(fd);
    close(EXPECT_OK(open((locked + "/inside").c_str(), O_RDONLY)));
    EXPECT_OK(access(file.c_str(), R_OK | W_OK));
    // Execute is the exception: root needs at least one x bit.
    EXPECT_ERRNO(access(file.c_str(), X_OK), EACCES);
    EXPECT_OK(chmod(file.c_str(), 0001));
    EXPECT_OK(access(file.c_str(), X_OK));
}

TEST(create_and_remove_need_write_and_search_on_the_parent)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string parent = dir / "parent";
    EXPECT_OK(mkdir(parent.c_str(), 0755));
    EXPECT(make_file(parent + "/victim", 0666, kUser, kUser));
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_ERRNO(open((parent + "/new").c_str(), O_WRONLY | O_CREAT, 0644), EACCES);
        EXPECT_ERRNO(mkdir((parent + "/dir").c_str(), 0755), EACCES);
        EXPECT_ERRNO(unlink((parent + "/victim").c_str()), EACCES);
        EXPECT_ERRNO(rename((parent + "/victim").c_str(), (parent + "/moved").c_str()), EACCES);
        EXPECT_ERRNO(symlink("x", (parent + "/link").c_str()), EACCES);
        EXPECT_ERRNO(mknod((parent + "/fifo").c_str(), S_IFIFO | 0644, 0), EACCES);
        // Writing the file itself is the file's business, not the directory's.
        close(EXPECT_OK(open((parent + "/victim").c_str(), O_WRONLY | O_TRUNC)));
    });
    EXPECT_EXITED(status, 0);
    EXPECT_OK(chmod(parent.c_str(), 0733)); // write and search, no read
    status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        close(EXPECT_OK(open((parent + "/new").c_str(), O_WRONLY | O_CREAT, 0644)));
        EXPECT_OK(unlink((parent + "/victim").c_str()));
    });
    EXPECT_EXITED(status, 0);
    EXPECT_OK(chmod(parent.c_str(), 0766)); // write without search
    status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_ERRNO(unlink((parent + "/new").c_str()), EACCES);
    });
    EXPECT_EXITED(status, 0);
}

TEST(sticky_directory_protects_other_users_files)
{
    NEED_ROOT();
    EXPECT_EQ(mode_of("/tmp"), 01777); // the system's /tmp is such a directory
    OpenScratch dir("perm");
    std::string tmp = dir / "tmp";
    EXPECT_OK(mkdir(tmp.c_str(), 0777));
    EXPECT_OK(chmod(tmp.c_str(), 01777));
    std::string theirs = tmp + "/theirs", again = tmp + "/again";
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        close(EXPECT_OK(open(theirs.c_str(), O_WRONLY | O_CREAT, 0666)));
        EXPECT_OK(chmod(theirs.c_str(), 0666));
        close(EXPECT_OK(open(again.c_str(), O_WRONLY | O_CREAT, 0666)));
        EXPECT_OK(mkdir((tmp + "/dir").c_str(), 0777));
    });
    EXPECT_EXITED(status, 0);
    status = guest_test::in_child([&] {
        BECOME(kOther, kOther);
        EXPECT_ERRNO(unlink(theirs.c_str()), EPERM);
        EXPECT_ERRNO(rename(theirs.c_str(), (tmp + "/stolen").c_str()), EPERM);
        EXPECT_ERRNO(rmdir((tmp + "/dir").c_str()), EPERM);
        // Its own files it may remove; writing theirs (mode 0666) is allowed.
        close(EXPECT_OK(open((tmp + "/own").c_str(), O_WRONLY | O_CREAT, 0644)));
        EXPECT_OK(unlink((tmp + "/own").c_str()));
        close(EXPECT_OK(open(theirs.c_str(), O_WRONLY)));
    });
    EXPECT_EXITED(status, 0);
    status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_OK(unlink(theirs.c_str()));
        EXPECT_OK(rmdir((tmp + "/dir").c_str()));
    });
    EXPECT_EXITED(status, 0);
    EXPECT_OK(unlink(again.c_str())); // root may
    // Without the sticky bit, write permission on the directory is enough.
    EXPECT_OK(chmod(tmp.c_str(), 0777));
    EXPECT(make_file(theirs, 0644, kUser, kUser));
    status = guest_test::in_child([&] {
        BECOME(kOther, kOther);
        EXPECT_OK(unlink(theirs.c_str()));
    });
    EXPECT_EXITED(status, 0);
}

TEST(exec_needs_an_execute_bit_and_a_regular_file)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string program = dir / "program";
    EXPECT(copy_self(program));
    EXPECT_OK(chmod(program.c_str(), 0644));
    char* argv[] = { const_cast<char*>(program.c_str()), const_cast<char*>("--report-ids"), nullptr };
    // Root too: no x bit at all means no exec.
    EXPECT_ERRNO(execv(program.c_str(), argv), EACCES);
    EXPECT_ERRNO(execv(dir.path().c_str(), argv), EACCES);
    EXPECT_ERRNO(execv("/dev/null", argv), EACCES);
    EXPECT_OK(chmod(program.c_str(), 0700));
    EXPECT_STREQ(run_report(program).c_str(), "0 0 0 0 0 0 0");
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_ERRNO(execv(program.c_str(), argv), EACCES);
    });
    EXPECT_EXITED(status, 0);
    EXPECT_OK(chmod(program.c_str(), 0701));
    status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_STREQ(run_report(program).c_str(), "1000 1000 1000 1000 1000 1000 0");
    });
    EXPECT_EXITED(status, 0);
}

TEST(setuid_program_runs_as_its_owner)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    struct statvfs fs {};
    EXPECT_OK(statvfs(dir.path().c_str(), &fs));
    if (fs.f_flag & ST_NOSUID)
        SKIP("the scratch directory is on a nosuid mount");
    std::string program = dir / "setuid";
    EXPECT(copy_self(program));
    EXPECT_OK(chown(program.c_str(), kOwner, kOwner));
    EXPECT_OK(chmod(program.c_str(), 04755));
    EXPECT_EQ(mode_of(program), 04755);
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_STREQ(run_report(program).c_str(), "1000 1234 1234 1000 1000 1000 1");
    });
    EXPECT_EXITED(status, 0);
    // Set-group-ID: the effective and saved gid.
    EXPECT_OK(chmod(program.c_str(), 02755));
    status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_STREQ(run_report(program).c_str(), "1000 1000 1000 1000 1234 1234 1");
    });
    EXPECT_EXITED(status, 0);
    // Changing the owner clears the bits.
    EXPECT_OK(chmod(program.c_str(), 06755));
    EXPECT_OK(chown(program.c_str(), kOwner, kUser));
    EXPECT_EQ(mode_of(program), 0755);
}

TEST(writing_a_setuid_file_clears_the_bit)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string file = dir / "file";
    EXPECT(make_file(file, 0, kOwner, kOwner));
    EXPECT_OK(chmod(file.c_str(), 06777));
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        int fd = EXPECT_OK(open(file.c_str(), O_WRONLY));
        EXPECT_EQ(write(fd, "x", 1), 1);
        close(fd);
    });
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(mode_of(file), 0777);
}

TEST(set_id_calls_follow_linux_rules)
{
    NEED_ROOT();
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_ERRNO(setuid(0), EPERM);
        EXPECT_ERRNO(setreuid(-1, 0), EPERM);
        EXPECT_ERRNO(setresuid(-1, -1, 0), EPERM);
        EXPECT_ERRNO(setgid(0), EPERM);
        EXPECT_ERRNO(setregid(0, -1), EPERM);
        EXPECT_OK(setuid(kUser));
    });
    EXPECT_EXITED(status, 0);
    // A set-user-ID-root style process: real 1000, effective and saved 0.
    status = guest_test::in_child([&] {
        EXPECT_OK(setresuid(kUser, 0, 0));
        EXPECT_OK(seteuid(kUser));
        EXPECT_STREQ(status_line("Uid:").c_str(), "1000\t1000\t0\t1000");
        EXPECT_OK(seteuid(0)); // back through the saved uid
        EXPECT_EQ(geteuid(), 0u);
        // setuid as root sets all three: no way back.
        EXPECT_OK(setuid(kUser));
        EXPECT_STREQ(status_line("Uid:").c_str(), "1000\t1000\t1000\t1000");
        EXPECT_ERRNO(seteuid(0), EPERM);
    });
    EXPECT_EXITED(status, 0);
    // setreuid with a new real id also sets the saved id.
    status = guest_test::in_child([&] {
        EXPECT_OK(setreuid(kUser, kOther));
        uid_t r, e, s;
        EXPECT_OK(getresuid(&r, &e, &s));
        EXPECT_EQ(r, kUser);
        EXPECT_EQ(e, kOther);
        EXPECT_EQ(s, kOther);
        EXPECT_OK(setreuid(kOther, kUser)); // swap: each is one of real/effective
        EXPECT_OK(getresuid(&r, &e, &s));
        EXPECT_EQ(r, kOther);
        EXPECT_EQ(e, kUser);
        EXPECT_ERRNO(setreuid(kNobody, -1), EPERM);
    });
    EXPECT_EXITED(status, 0);
}

TEST(fsuid_decides_file_access)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string secret = dir / "secret", mine = dir / "mine", shared = dir / "shared";
    EXPECT(make_file(secret, 0600, 0, 0));
    EXPECT(make_file(mine, 0600, kUser, kUser));
    EXPECT_OK(mkdir(shared.c_str(), 0777));
    EXPECT_OK(chmod(shared.c_str(), 0777));
    int status = guest_test::in_child([&] {
        EXPECT_EQ(setfsuid(kUser), 0);
        EXPECT_EQ(setfsgid(kUser), 0);
        EXPECT_STREQ(status_line("Uid:").c_str(), "0\t0\t0\t1000");
        EXPECT_STREQ(status_line("Gid:").c_str(), "0\t0\t0\t1000");
        // Only file access changes: root's file is closed, the user's open,
        // and new files belong to the fs ids.
        EXPECT_ERRNO(open(secret.c_str(), O_RDONLY), EACCES);
        close(EXPECT_OK(open(mine.c_str(), O_RDWR)));
        std::string made = shared + "/made";
        close(EXPECT_OK(open(made.c_str(), O_WRONLY | O_CREAT, 0600)));
        struct stat st {};
        EXPECT_OK(stat(made.c_str(), &st));
        EXPECT_EQ(st.st_uid, kUser);
        EXPECT_EQ(st.st_gid, kUser);
        EXPECT_EQ(geteuid(), 0u);
        EXPECT_EQ(setfsuid(0), (int)kUser);
        close(EXPECT_OK(open(secret.c_str(), O_RDONLY)));
        // Every set*id call puts the fs id back on the effective one.
        EXPECT_EQ(setfsuid(kOther), 0);
        EXPECT_OK(setresuid(0, 0, 0));
        EXPECT_EQ(setfsuid(-1), 0);
    });
    EXPECT_EXITED(status, 0);
    status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        // Refused: the call still returns the old value, which stays.
        EXPECT_EQ(setfsuid(0), (int)kUser);
        EXPECT_EQ(setfsuid(-1), (int)kUser);
        EXPECT_ERRNO(open(secret.c_str(), O_RDONLY), EACCES);
    });
    EXPECT_EXITED(status, 0);
}

TEST(setgroups_needs_root)
{
    NEED_ROOT();
    int status = guest_test::in_child([&] {
        gid_t groups[] = { 5, 100 };
        EXPECT_OK(setgroups(2, groups));
        EXPECT_EQ(getgroups(0, nullptr), 2);
        gid_t back[4] = {};
        EXPECT_ERRNO(getgroups(1, back), EINVAL);
        EXPECT_EQ(getgroups(4, back), 2);
        EXPECT_EQ(back[0], 5u);
        EXPECT_EQ(back[1], 100u);
        EXPECT_STREQ(status_line("Groups:").c_str(), "5 100");
        EXPECT_OK(setresuid(kUser, kUser, kUser));
        EXPECT_ERRNO(setgroups(0, nullptr), EPERM);
        EXPECT_ERRNO(setgroups(1, groups), EPERM);
        EXPECT_EQ(getgroups(0, nullptr), 2); // unchanged
    });
    EXPECT_EXITED(status, 0);
}

TEST(kill_needs_a_matching_user)
{
    NEED_ROOT();
    pid_t target = fork();
    if (target == 0) {
        if (setresuid(kOther, kOther, kOther) != 0)
            _exit(1);
        pause();
        _exit(0);
    }
    EXPECT(target > 0);
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_ERRNO(kill(target, 0), EPERM);
        EXPECT_ERRNO(kill(target, SIGKILL), EPERM);
    });
    EXPECT_EXITED(status, 0);
    // The sender's real uid matching the target's is enough.
    status = guest_test::in_child([&] {
        EXPECT_OK(setresuid(kOther, kNobody, kNobody));
        EXPECT_OK(kill(target, 0));
    });
    EXPECT_EXITED(status, 0);
    status = guest_test::in_child([&] {
        BECOME(kOther, kOther);
        EXPECT_OK(kill(target, SIGTERM));
    });
    EXPECT_EXITED(status, 0);
    int target_status = 0;
    EXPECT_EQ(waitpid(target, &target_status, 0), target);
    EXPECT_SIGNALED(target_status, SIGTERM);
}

TEST(raising_priority_needs_root)
{
    NEED_ROOT();
    int status = guest_test::in_child([&] {
        struct rlimit none { 0, 0 };
        EXPECT_OK(setrlimit(RLIMIT_NICE, &none));
        EXPECT_OK(setrlimit(RLIMIT_RTPRIO, &none));
        BECOME(kUser, kUser);
        EXPECT_OK(setpriority(PRIO_PROCESS, 0, 5));
        EXPECT_OK(setpriority(PRIO_PROCESS, 0, 10)); // lowering is free
        EXPECT_ERRNO(setpriority(PRIO_PROCESS, 0, 5), EACCES);
        EXPECT_ERRNO(nice(-1), EPERM); // glibc turns EACCES into EPERM
        errno = 0;
        EXPECT_EQ(getpriority(PRIO_PROCESS, 0), 10);
        struct sched_param param {};
        param.sched_priority = 1;
        EXPECT_ERRNO(sched_setscheduler(0, SCHED_FIFO, &param), EPERM);
        EXPECT_ERRNO(sched_setscheduler(0, SCHED_RR, &param), EPERM);
        // Another user's process: not ours to change at all.
        EXPECT_ERRNO(setpriority(PRIO_PROCESS, 1, 19), EPERM);
    });
    EXPECT_EXITED(status, 0);
    // Root may.
    status = guest_test::in_child([&] {
        EXPECT_OK(setpriority(PRIO_PROCESS, 0, 10));
        EXPECT_OK(setpriority(PRIO_PROCESS, 0, -5));
        errno = 0;
        EXPECT_EQ(getpriority(PRIO_PROCESS, 0), -5);
    });
    EXPECT_EXITED(status, 0);
}

TEST(raising_a_hard_limit_needs_root)
{
    NEED_ROOT();
    int status = guest_test::in_child([&] {
        struct rlimit limit { 50, 100 };
        EXPECT_OK(setrlimit(RLIMIT_NOFILE, &limit));
        BECOME(kUser, kUser);
        limit = { 100, 100 }; // the soft limit up to the hard one: fine
        EXPECT_OK(setrlimit(RLIMIT_NOFILE, &limit));
        limit = { 100, 200 };
        EXPECT_ERRNO(setrlimit(RLIMIT_NOFILE, &limit), EPERM);
        limit = { 80, 80 }; // lowering the hard limit is free, and final
        EXPECT_OK(setrlimit(RLIMIT_NOFILE, &limit));
        limit = { 80, 100 };
        EXPECT_ERRNO(setrlimit(RLIMIT_NOFILE, &limit), EPERM);
    });
    EXPECT_EXITED(status, 0);
    // Root may (a container's root often lacks CAP_SYS_RESOURCE).
    if (!has_capability(kCapSysResource))
        SKIP("root without CAP_SYS_RESOURCE here: raising a hard limit as root not checked");
    status = guest_test::in_child([&] {
        struct rlimit limit { 50, 100 };
        EXPECT_OK(setrlimit(RLIMIT_NOFILE, &limit));
        limit = { 50, 200 };
        EXPECT_OK(setrlimit(RLIMIT_NOFILE, &limit));
    });
    EXPECT_EXITED(status, 0);
}

TEST(system_administration_needs_root)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string point = dir / "point";
    EXPECT_OK(mkdir(point.c_str(), 0777));
    EXPECT_OK(chmod(point.c_str(), 0777));
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_ERRNO(mount("none", point.c_str(), "tmpfs", 0, nullptr), EPERM);
        EXPECT_ERRNO(umount("/proc"), EPERM);
        EXPECT_ERRNO(chroot(point.c_str()), EPERM);
        EXPECT_ERRNO(sethostname("intruder", 8), EPERM);
        struct timeval now {};
        gettimeofday(&now, nullptr);
        EXPECT_ERRNO(settimeofday(&now, nullptr), EPERM);
        struct timespec when {};
        clock_gettime(CLOCK_REALTIME, &when);
        EXPECT_ERRNO(clock_settime(CLOCK_REALTIME, &when), EPERM);
        // An invalid command: refused for lack of privilege before it is
        // even looked at (and harmless for root).
        EXPECT_ERRNO(reboot(0x0badc0de), EPERM);
        EXPECT_ERRNO(mknod((point + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), EPERM);
        close(EXPECT_OK(open((point + "/file").c_str(), O_WRONLY | O_CREAT, 0644)));
        EXPECT_OK(unlink((point + "/file").c_str()));
    });
    EXPECT_EXITED(status, 0);
}

TEST(chown_and_chmod_rules)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string mine = dir / "mine", roots = dir / "roots";
    EXPECT(make_file(mine, 0644, kUser, kUser));
    EXPECT(make_file(roots, 0644, 0, 0));
    int status = guest_test::in_child([&] {
        gid_t groups[] = { 100 };
        EXPECT_OK(setgroups(1, groups));
        EXPECT_OK(setresgid(kUser, kUser, kUser));
        EXPECT_OK(setresuid(kUser, kUser, kUser));
        EXPECT_ERRNO(chown(mine.c_str(), kOther, -1), EPERM);
        EXPECT_ERRNO(chown(mine.c_str(), -1, 1234), EPERM); // not one of its groups
        EXPECT_OK(chown(mine.c_str(), -1, 100));
        EXPECT_OK(chown(mine.c_str(), kUser, -1)); // "changing" to itself
        EXPECT_ERRNO(chown(roots.c_str(), -1, 100), EPERM);
        EXPECT_ERRNO(chmod(roots.c_str(), 0666), EPERM);
        EXPECT_OK(chmod(mine.c_str(), 0600));
        EXPECT_EQ(mode_of(mine), 0600);
    });
    EXPECT_EXITED(status, 0);
    EXPECT_OK(chown(mine.c_str(), kUser, 1234));
    status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        // Set-group-ID on a file of a group the owner is not in: dropped.
        EXPECT_OK(chmod(mine.c_str(), 02755));
        EXPECT_EQ(mode_of(mine), 0755);
        EXPECT_OK(chmod(mine.c_str(), 04755));
        EXPECT_EQ(mode_of(mine), 04755);
    });
    EXPECT_EXITED(status, 0);
    // Root gives files away.
    EXPECT_OK(chown(roots.c_str(), kOther, kOther));
    struct stat st {};
    EXPECT_OK(stat(roots.c_str(), &st));
    EXPECT_EQ(st.st_uid, kOther);
}

TEST(utimensat_rules)
{
    NEED_ROOT();
    OpenScratch dir("perm");
    std::string writable = dir / "writable", readonly = dir / "readonly";
    EXPECT(make_file(writable, 0666, 0, 0));
    EXPECT(make_file(readonly, 0644, 0, 0));
    int status = guest_test::in_child([&] {
        BECOME(kUser, kUser);
        EXPECT_OK(utimensat(AT_FDCWD, writable.c_str(), nullptr, 0)); // "now" with write permission
        struct timespec now_both[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
        EXPECT_OK(utimensat(AT_FDCWD, writable.c_str(), now_both, 0));
        struct timespec times[2] = { { 1000, 0 }, { 2000, 0 } };
        EXPECT_ERRNO(utimensat(AT_FDCWD, writable.c_str(), times, 0), EPERM);
        EXPECT_ERRNO(utimensat(AT_FDCWD, readonly.c_str(), nullptr, 0), EACCES);
        EXPECT_ERRNO(utimensat(AT_FDCWD, readonly.c_str(), times, 0), EPERM);
    });
    EXPECT_EXITED(status, 0);
}

int main(int argc, char** argv)
{
    if (argc == 2 && strcmp(argv[1], "--report-ids") == 0) {
        uid_t ruid, euid, suid;
        gid_t rgid, egid, sgid;
        getresuid(&ruid, &euid, &suid);
        getresgid(&rgid, &egid, &sgid);
        printf("%u %u %u %u %u %u %lu\n", ruid, euid, suid, rgid, egid, sgid, getauxval(AT_SECURE));
        return 0;
    }
    g_self = argv[0];
    return guest_test::run_tests();
}
