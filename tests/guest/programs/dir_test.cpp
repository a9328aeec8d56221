// /tests/bin/dir_test: directories (issue 4, point 6): mkdir/mkdirat,
// rmdir (ENOTEMPTY, EINVAL), unlink/unlinkat, getdents64, rename and
// renameat2, link counts, chdir/fchdir/getcwd, statfs/fstatfs, and as root
// mount/umount2 of a tmpfs and chroot.
#include "guest_files.h"
#include "guest_test.h"

#include <cstdint>
#include <dirent.h>
#include <linux/magic.h>
#include <set>
#include <string>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

using guest_files::CwdGuard;
using guest_files::read_file;
using guest_files::Scratch;
using guest_files::write_file;

namespace {

// The record getdents64 fills in (struct linux_dirent64).
struct linux_dirent64_view {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

struct Entry {
    std::string name;
    unsigned char type;
    bool operator<(Entry const& other) const { return name < other.name; }
};

// Every entry of an open directory, read with getdents64 into a small
// buffer so that listing takes several calls. Returns false on an error.
bool list(int fd, std::set<Entry>& entries, size_t buffer_size = 256)
{
    char buffer[4096];
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buffer, buffer_size);
        if (n < 0)
            return false;
        if (n == 0)
            return true;
        for (long offset = 0; offset < n;) {
            auto* entry = reinterpret_cast<linux_dirent64_view*>(buffer + offset);
            entries.insert({ entry->d_name, entry->d_type });
            offset += entry->d_reclen;
        }
    }
}

}

TEST(mkdir_and_rmdir)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    std::string sub = dir / "sub";
    EXPECT_OK(mkdir(sub.c_str(), 0755));
    struct stat st;
    EXPECT_OK(stat(sub.c_str(), &st));
    EXPECT(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_nlink, 2);
    EXPECT_ERRNO(mkdir(sub.c_str(), 0755), EEXIST);
    EXPECT_ERRNO(mkdir((dir / "missing/sub").c_str(), 0755), ENOENT);
    EXPECT(write_file(dir / "file", "x"));
    EXPECT_ERRNO(mkdir((dir / "file").c_str(), 0755), EEXIST);
    EXPECT_ERRNO(mkdir((dir / "file/sub").c_str(), 0755), ENOTDIR);
    // A trailing slash is fine for a directory.
    EXPECT_OK(mkdir((dir / "slashed/").c_str(), 0755));
    EXPECT_OK(rmdir((dir / "slashed/").c_str()));
    EXPECT_OK(rmdir(sub.c_str()));
    EXPECT_ERRNO(rmdir(sub.c_str()), ENOENT);
    EXPECT_ERRNO(stat(sub.c_str(), &st), ENOENT);
}

TEST(rmdir_errors)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    std::string sub = dir / "sub";
    EXPECT_OK(mkdir(sub.c_str(), 0755));
    EXPECT(write_file(sub + "/file", "x"));
    EXPECT_ERRNO(rmdir(sub.c_str()), ENOTEMPTY);
    EXPECT_ERRNO(rmdir((sub + "/file").c_str()), ENOTDIR);
    EXPECT_ERRNO(rmdir((sub + "/.").c_str()), EINVAL);
    EXPECT_ERRNO(rmdir((sub + "/..").c_str()), ENOTEMPTY);
    EXPECT_OK(unlink((sub + "/file").c_str()));
    EXPECT_OK(rmdir(sub.c_str()));
}

TEST(unlink_and_unlinkat)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "file", "x"));
    EXPECT_OK(mkdir((dir / "sub").c_str(), 0755));
    // unlink of a directory: EISDIR on Linux.
    EXPECT_ERRNO(unlink((dir / "sub").c_str()), EISDIR);
    EXPECT_ERRNO(unlink((dir / "missing").c_str()), ENOENT);
    EXPECT_ERRNO(unlink((dir / "file/x").c_str()), ENOTDIR);
    int dirfd = EXPECT_OK(open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(unlinkat(dirfd, "sub", 0), EISDIR);
    EXPECT_ERRNO(unlinkat(dirfd, "file", AT_REMOVEDIR), ENOTDIR);
    EXPECT_ERRNO(unlinkat(dirfd, "file", 0x1234), EINVAL);
    EXPECT_OK(unlinkat(dirfd, "sub", AT_REMOVEDIR));
    EXPECT_OK(unlinkat(dirfd, "file", 0));
    EXPECT_OK(mkdirat(dirfd, "made", 0700));
    struct stat st;
    EXPECT_OK(fstatat(dirfd, "made", &st, 0));
    EXPECT(S_ISDIR(st.st_mode));
    EXPECT_ERRNO(mkdirat(9999, "x", 0700), EBADF);
    close(dirfd);
}

TEST(getdents64_lists_every_entry_with_its_type)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    std::set<Entry> expected { { ".", DT_DIR }, { "..", DT_DIR } };
    for (int i = 0; i < 40; ++i) {
        std::string name = "file_" + std::to_string(i) + std::string(i % 7 * 5, 'x');
        EXPECT(write_file(dir / name, "x"));
        expected.insert({ name, DT_REG });
    }
    EXPECT_OK(mkdir((dir / "subdir").c_str(), 0755));
    expected.insert({ "subdir", DT_DIR });
    EXPECT_OK(symlink("file_0", (dir / "link").c_str()));
    expected.insert({ "link", DT_LNK });
    EXPECT_OK(mkfifo((dir / "fifo").c_str(), 0600));
    expected.insert({ "fifo", DT_FIFO });
    int fd = EXPECT_OK(open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    std::set<Entry> seen;
    EXPECT(list(fd, seen));
    EXPECT_EQ(seen.size(), expected.size());
    for (auto const& entry : expected) {
        auto found = seen.find(entry);
        EXPECT(found != seen.end());
        EXPECT_EQ(found->type, entry.type);
    }
    // At the end: 0. Rewinding lists everything again.
    char buffer[512];
    EXPECT_EQ(syscall(SYS_getdents64, fd, buffer, sizeof(buffer)), 0);
    EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
    std::set<Entry> again;
    EXPECT(list(fd, again, sizeof(buffer)));
    EXPECT_EQ(again.size(), expected.size());
    // A buffer too small for one entry: EINVAL.
    EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
    EXPECT_ERRNO(syscall(SYS_getdents64, fd, buffer, 8), EINVAL);
    EXPECT_ERRNO(syscall(SYS_getdents64, fd, guest_test::bad_pointer(1), sizeof(buffer)), EFAULT);
    close(fd);
    int file = EXPECT_OK(open((dir / "file_0").c_str(), O_RDONLY));
    EXPECT_ERRNO(syscall(SYS_getdents64, file, buffer, sizeof(buffer)), ENOTDIR);
    close(file);
    EXPECT_ERRNO(syscall(SYS_getdents64, 9999, buffer, sizeof(buffer)), EBADF);
}

TEST(readdir_sees_removals)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "a", ""));
    EXPECT(write_file(dir / "b", ""));
    EXPECT_OK(unlink((dir / "a").c_str()));
    DIR* stream = opendir(dir.c_str());
    EXPECT(stream != nullptr);
    std::set<std::string> names;
    while (dirent* entry = readdir(stream))
        names.insert(entry->d_name);
    closedir(stream);
    EXPECT(names == (std::set<std::string> { ".", "..", "b" }));
}

TEST(rename_files_and_directories)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    std::string a = dir / "a", b = dir / "b";
    EXPECT(write_file(a, "A"));
    // To a new name.
    EXPECT_OK(rename(a.c_str(), b.c_str()));
    EXPECT_ERRNO(access(a.c_str(), F_OK), ENOENT);
    EXPECT(read_file(b) == "A");
    // Over an existing file, which is replaced; an open descriptor of the
    // moved file stays valid.
    EXPECT(write_file(a, "new A"));
    int open_fd = EXPECT_OK(open(a.c_str(), O_RDONLY));
    EXPECT_OK(rename(a.c_str(), b.c_str()));
    EXPECT(read_file(b) == "new A");
    char buffer[8] = {};
    EXPECT_EQ(read(open_fd, buffer, sizeof(buffer)), 5);
    close(open_fd);
    // Onto itself: nothing happens.
    EXPECT_OK(rename(b.c_str(), b.c_str()));
    EXPECT(read_file(b) == "new A");
    // Into another directory.
    EXPECT_OK(mkdir((dir / "d1").c_str(), 0755));
    EXPECT_OK(rename(b.c_str(), (dir / "d1/moved").c_str()));
    EXPECT(read_file(dir / "d1/moved") == "new A");
    // A directory over an empty directory; over a non-empty one: ENOTEMPTY.
    EXPECT_OK(mkdir((dir / "empty").c_str(), 0755));
    EXPECT_OK(mkdir((dir / "full").c_str(), 0755));
    EXPECT(write_file(dir / "full/x", ""));
    EXPECT_ERRNO(rename((dir / "d1").c_str(), (dir / "full").c_str()), ENOTEMPTY);
    EXPECT_OK(rename((dir / "d1").c_str(), (dir / "empty").c_str()));
    EXPECT(read_file(dir / "empty/moved") == "new A");
    EXPECT_ERRNO(access((dir / "d1").c_str(), F_OK), ENOENT);
    // File over directory, directory over file, directory into itself.
    EXPECT(write_file(dir / "file", "f"));
    EXPECT_ERRNO(rename((dir / "file").c_str(), (dir / "full").c_str()), EISDIR);
    EXPECT_ERRNO(rename((dir / "full").c_str(), (dir / "file").c_str()), ENOTDIR);
    EXPECT_ERRNO(rename((dir / "full").c_str(), (dir / "full/inside").c_str()), EINVAL);
    EXPECT_ERRNO(rename((dir / "missing").c_str(), (dir / "x").c_str()), ENOENT);
    EXPECT_ERRNO(rename((dir / "file").c_str(), (dir / "missing/x").c_str()), ENOENT);
}

TEST(renameat2_noreplace_and_exchange)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "a", "A"));
    EXPECT(write_file(dir / "b", "B"));
    int dirfd = EXPECT_OK(open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    EXPECT_ERRNO(syscall(SYS_renameat2, dirfd, "a", dirfd, "b", RENAME_NOREPLACE), EEXIST);
    EXPECT_OK(syscall(SYS_renameat2, dirfd, "a", dirfd, "b", RENAME_EXCHANGE));
    EXPECT(read_file(dir / "a") == "B");
    EXPECT(read_file(dir / "b") == "A");
    EXPECT_OK(syscall(SYS_renameat2, dirfd, "a", dirfd, "c", RENAME_NOREPLACE));
    EXPECT(read_file(dir / "c") == "B");
    EXPECT_ERRNO(syscall(SYS_renameat2, dirfd, "c", dirfd, "missing", RENAME_EXCHANGE), ENOENT);
    EXPECT_ERRNO(syscall(SYS_renameat2, dirfd, "c", dirfd, "b", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
    close(dirfd);
}

TEST(directory_link_counts)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    struct stat st;
    EXPECT_OK(stat(dir.c_str(), &st));
    EXPECT_EQ(st.st_nlink, 2);
    EXPECT_OK(mkdir((dir / "a").c_str(), 0755));
    EXPECT_OK(mkdir((dir / "b").c_str(), 0755));
    EXPECT(write_file(dir / "file", ""));
    EXPECT_OK(stat(dir.c_str(), &st));
    EXPECT_EQ(st.st_nlink, 4); // ".", its name in /tmp, and a/.. and b/..
    EXPECT_OK(rmdir((dir / "a").c_str()));
    EXPECT_OK(stat(dir.c_str(), &st));
    EXPECT_EQ(st.st_nlink, 3);
    // ".." of a subdirectory is the directory itself.
    struct stat parent;
    EXPECT_OK(stat((dir / "b/..").c_str(), &parent));
    EXPECT_EQ(parent.st_ino, st.st_ino);
}

TEST(chdir_fchdir_getcwd)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    CwdGuard guard;
    EXPECT_OK(mkdir((dir / "sub").c_str(), 0755));
    EXPECT(write_file(dir / "sub/file", "relative"));
    EXPECT_OK(chdir((dir / "sub").c_str()));
    char cwd[4096];
    EXPECT(getcwd(cwd, sizeof(cwd)) != nullptr);
    EXPECT_STREQ(cwd, (dir / "sub").c_str());
    EXPECT(read_file("file") == "relative");
    EXPECT(read_file("./file") == "relative");
    EXPECT_OK(chdir(".."));
    EXPECT(getcwd(cwd, sizeof(cwd)) != nullptr);
    EXPECT_STREQ(cwd, dir.c_str());
    EXPECT(read_file("sub/file") == "relative");
    // fchdir to an open directory.
    int fd = EXPECT_OK(open((dir / "sub").c_str(), O_RDONLY | O_DIRECTORY));
    EXPECT_OK(chdir("/"));
    EXPECT_OK(fchdir(fd));
    EXPECT(getcwd(cwd, sizeof(cwd)) != nullptr);
    EXPECT_STREQ(cwd, (dir / "sub").c_str());
    close(fd);
    // The raw syscall returns the length including the NUL.
    EXPECT_EQ(syscall(SYS_getcwd, cwd, sizeof(cwd)), (long)(dir / "sub").size() + 1);
    // Errors.
    EXPECT_ERRNO(chdir("file"), ENOTDIR);
    EXPECT_ERRNO(chdir("missing"), ENOENT);
    int file = EXPECT_OK(open("file", O_RDONLY));
    EXPECT_ERRNO(fchdir(file), ENOTDIR);
    close(file);
    EXPECT_ERRNO(fchdir(9999), EBADF);
    EXPECT_ERRNO(syscall(SYS_getcwd, cwd, 3), ERANGE);
    EXPECT_ERRNO(syscall(SYS_getcwd, guest_test::bad_pointer(1), sizeof(cwd)), EFAULT);
    // At the root, ".." stays at the root.
    EXPECT_OK(chdir("/"));
    EXPECT_OK(chdir(".."));
    EXPECT(getcwd(cwd, sizeof(cwd)) != nullptr);
    EXPECT_STREQ(cwd, "/");
}

TEST(getcwd_of_a_removed_directory_enoent)
{
    Scratch dir("dir");
    EXPECT(dir.ok());
    CwdGuard guard;
    EXPECT_OK(mkdir((dir / "gone").c_str(), 0755));
    EXPECT_OK(chdir((dir / "gone").c_str()));
    EXPECT_OK(rmdir((dir / "gone").c_str()));
    char cwd[4096];
    EXPECT_ERRNO(syscall(SYS_getcwd, cwd, sizeof(cwd)), ENOENT);
    // Nothing can be created in it.
    EXPECT_ERRNO(open("new", O_CREAT | O_WRONLY, 0600), ENOENT);
}

TEST(statfs_and_fstatfs)
{
    struct statfs by_path, by_fd;
    EXPECT_OK(statfs("/tmp", &by_path));
    EXPECT_GT(by_path.f_bsize, 0);
    EXPECT_GT(by_path.f_namelen, 0);
    int fd = EXPECT_OK(open("/tmp", O_RDONLY | O_DIRECTORY));
    EXPECT_OK(fstatfs(fd, &by_fd));
    close(fd);
    EXPECT_EQ(by_fd.f_type, by_path.f_type);
    EXPECT_ERRNO(statfs("/no/such/path", &by_path), ENOENT);
    EXPECT_ERRNO(fstatfs(9999, &by_fd), EBADF);
}

TEST(mount_tmpfs_and_umount)
{
    if (geteuid() != 0)
        SKIP("mount needs root");
    Scratch dir("dir");
    EXPECT(dir.ok());
    std::string point = dir / "mnt";
    EXPECT_OK(mkdir(point.c_str(), 0755));
    EXPECT(write_file(point + "/under", "hidden by the mount"));
    EXPECT_OK(mount("none", point.c_str(), "tmpfs", 0, nullptr));
    struct statfs fs;
    EXPECT_OK(statfs(point.c_str(), &fs));
    EXPECT_EQ(fs.f_type, TMPFS_MAGIC);
    EXPECT_ERRNO(access((point + "/under").c_str(), F_OK), ENOENT);
    EXPECT(write_file(point + "/on_tmpfs", "x"));
    // Busy while a file in it is open.
    int fd = EXPECT_OK(open((point + "/on_tmpfs").c_str(), O_RDONLY));
    EXPECT_ERRNO(umount2(point.c_str(), 0), EBUSY);
    close(fd);
    EXPECT_OK(umount2(point.c_str(), 0));
    EXPECT(read_file(point + "/under") == "hidden by the mount");
    EXPECT_ERRNO(access((point + "/on_tmpfs").c_str(), F_OK), ENOENT);
    // Not a mount point.
    EXPECT_ERRNO(umount2(point.c_str(), 0), EINVAL);
    EXPECT_ERRNO(mount("none", (dir / "missing").c_str(), "tmpfs", 0, nullptr), ENOENT);
    EXPECT_ERRNO(mount("none", point.c_str(), "no_such_fs_type", 0, nullptr), ENODEV);
}

TEST(chroot_confines_path_lookup)
{
    if (geteuid() != 0)
        SKIP("chroot needs root");
    Scratch dir("dir");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "inside", "in the jail"));
    int status = guest_test::in_child([&] {
        EXPECT_OK(chroot(dir.c_str()));
        EXPECT_OK(chdir("/"));
        EXPECT(read_file("/inside") == "in the jail");
        // ".." of the new root is the root itself.
        struct stat root, above;
        EXPECT_OK(stat("/", &root));
        EXPECT_OK(stat("/..", &above));
        EXPECT_EQ(root.st_ino, above.st_ino);
        EXPECT_ERRNO(access("/tmp", F_OK), ENOENT);
        char cwd[256];
        EXPECT(getcwd(cwd, sizeof(cwd)) != nullptr);
        EXPECT_STREQ(cwd, "/");
    });
    EXPECT_EXITED(status, 0);
    EXPECT_ERRNO(chroot((dir / "inside").c_str()), ENOTDIR);
    EXPECT_ERRNO(chroot((dir / "missing").c_str()), ENOENT);
}

int main()
{
    return guest_test::run_tests();
}
