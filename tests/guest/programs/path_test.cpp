// /tests/bin/path_test: path resolution and inode metadata (issue 4, point
// 6): symlinks (readlink, ELOOP, O_NOFOLLOW, the 40-link limit), hard
// links, ENAMETOOLONG, ENOTDIR, "." and "..", the *at calls with dirfd,
// stat/lstat/fstat/newfstatat/statx, access/faccessat, chmod family, chown
// family, umask, utimensat, mkfifo and mknod.
#include "guest_files.h"
#include "guest_test.h"

#include <ctime>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

using guest_files::read_file;
using guest_files::Scratch;
using guest_files::write_file;

TEST(stat_lstat_fstat_agree)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    std::string file = dir / "file", link = dir / "link";
    EXPECT(write_file(file, "12345678"));
    EXPECT_OK(symlink("file", link.c_str()));
    struct stat by_path, by_link, of_link, by_fd;
    EXPECT_OK(stat(file.c_str(), &by_path));
    EXPECT_OK(stat(link.c_str(), &by_link));
    EXPECT_OK(lstat(link.c_str(), &of_link));
    int fd = EXPECT_OK(open(file.c_str(), O_RDONLY));
    EXPECT_OK(fstat(fd, &by_fd));
    close(fd);
    EXPECT(S_ISREG(by_path.st_mode));
    EXPECT_EQ(by_path.st_size, 8);
    EXPECT_EQ(by_link.st_ino, by_path.st_ino);
    EXPECT_EQ(by_fd.st_ino, by_path.st_ino);
    EXPECT_EQ(by_fd.st_dev, by_path.st_dev);
    EXPECT_EQ(by_fd.st_mode, by_path.st_mode);
    EXPECT(S_ISLNK(of_link.st_mode));
    EXPECT_NE(of_link.st_ino, by_path.st_ino);
    EXPECT_EQ(of_link.st_size, 4); // strlen("file")
    EXPECT_EQ(by_path.st_dev, of_link.st_dev);
    EXPECT_ERRNO(stat((dir / "missing").c_str(), &by_path), ENOENT);
}

TEST(newfstatat_dirfd_and_flags)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "file", "abc"));
    EXPECT_OK(symlink("file", (dir / "link").c_str()));
    int dirfd = EXPECT_OK(open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    struct stat st;
    EXPECT_OK(syscall(SYS_newfstatat, dirfd, "file", &st, 0));
    EXPECT_EQ(st.st_size, 3);
    EXPECT_OK(syscall(SYS_newfstatat, dirfd, "link", &st, 0));
    EXPECT(S_ISREG(st.st_mode));
    EXPECT_OK(syscall(SYS_newfstatat, dirfd, "link", &st, AT_SYMLINK_NOFOLLOW));
    EXPECT(S_ISLNK(st.st_mode));
    // AT_EMPTY_PATH: the descriptor itself.
    int fd = EXPECT_OK(open((dir / "file").c_str(), O_RDONLY));
    EXPECT_OK(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH));
    EXPECT_EQ(st.st_size, 3);
    EXPECT_ERRNO(syscall(SYS_newfstatat, fd, "", &st, 0), ENOENT);
    // A relative path against a file descriptor that is not a directory.
    EXPECT_ERRNO(syscall(SYS_newfstatat, fd, "x", &st, 0), ENOTDIR);
    close(fd);
    // Absolute paths ignore dirfd, even a bad one; relative ones need it.
    EXPECT_OK(syscall(SYS_newfstatat, 9999, (dir / "file").c_str(), &st, 0));
    EXPECT_ERRNO(syscall(SYS_newfstatat, 9999, "file", &st, 0), EBADF);
    EXPECT_OK(syscall(SYS_newfstatat, AT_FDCWD, (dir / "file").c_str(), &st, 0));
    EXPECT_ERRNO(syscall(SYS_newfstatat, dirfd, "file", &st, 0x40000000), EINVAL);
    close(dirfd);
}

TEST(statx_reports_basic_stats)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    std::string file = dir / "file";
    EXPECT(write_file(file, "statx!", 0640));
    struct statx sx;
    memset(&sx, 0, sizeof(sx));
    EXPECT_OK(statx(AT_FDCWD, file.c_str(), 0, STATX_BASIC_STATS, &sx));
    EXPECT_EQ(sx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
    EXPECT_EQ(sx.stx_size, 6);
    EXPECT(S_ISREG(sx.stx_mode));
    EXPECT_EQ(sx.stx_mode & 07777, 0640);
    EXPECT_EQ(sx.stx_nlink, 1);
    EXPECT_EQ(sx.stx_uid, geteuid());
    struct stat st;
    EXPECT_OK(stat(file.c_str(), &st));
    EXPECT_EQ(sx.stx_ino, st.st_ino);
    EXPECT_EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
    EXPECT_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
    // AT_EMPTY_PATH on a descriptor, AT_SYMLINK_NOFOLLOW on a link.
    int fd = EXPECT_OK(open(file.c_str(), O_RDONLY));
    memset(&sx, 0, sizeof(sx));
    EXPECT_OK(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));
    EXPECT_EQ(sx.stx_size, 6);
    close(fd);
    EXPECT_OK(symlink("file", (dir / "link").c_str()));
    EXPECT_OK(statx(AT_FDCWD, (dir / "link").c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx));
    EXPECT(S_ISLNK(sx.stx_mode));
    // Errors: unknown flags, the reserved mask bit, a missing file.
    EXPECT_ERRNO(statx(AT_FDCWD, file.c_str(), 0x40000000, STATX_BASIC_STATS, &sx), EINVAL);
    EXPECT_ERRNO(statx(AT_FDCWD, file.c_str(), 0, STATX__RESERVED, &sx), EINVAL);
    EXPECT_ERRNO(statx(AT_FDCWD, (dir / "missing").c_str(), 0, STATX_BASIC_STATS, &sx), ENOENT);
    EXPECT_ERRNO(statx(AT_FDCWD, file.c_str(), 0, STATX_BASIC_STATS, guest_test::bad_pointer<struct statx>(1)), EFAULT);
}

TEST(symlink_and_readlink)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "target", "through the link"));
    std::string link = dir / "link";
    EXPECT_OK(symlink("target", link.c_str()));
    char buffer[64];
    EXPECT_EQ(readlink(link.c_str(), buffer, sizeof(buffer)), 6);
    EXPECT_EQ(memcmp(buffer, "target", 6), 0);
    // Truncated to the buffer, no NUL added.
    memset(buffer, '#', sizeof(buffer));
    EXPECT_EQ(readlink(link.c_str(), buffer, 3), 3);
    EXPECT_EQ(memcmp(buffer, "tar#", 4), 0);
    // A relative target is resolved from the link's directory.
    EXPECT(read_file(link) == "through the link");
    int dirfd = EXPECT_OK(open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    EXPECT_EQ(readlinkat(dirfd, "link", buffer, sizeof(buffer)), 6);
    EXPECT_OK(symlinkat("/absolute/target", dirfd, "absolute"));
    EXPECT_EQ(readlinkat(dirfd, "absolute", buffer, sizeof(buffer)), 16);
    close(dirfd);
    // Errors.
    EXPECT_ERRNO(readlink((dir / "target").c_str(), buffer, sizeof(buffer)), EINVAL);
    EXPECT_ERRNO(readlink((dir / "missing").c_str(), buffer, sizeof(buffer)), ENOENT);
    EXPECT_ERRNO(readlink(link.c_str(), buffer, 0), EINVAL);
    EXPECT_ERRNO(symlink("anything", link.c_str()), EEXIST);
    EXPECT_ERRNO(symlink("", (dir / "empty").c_str()), ENOENT);
    // A dangling link: stat fails, lstat works.
    EXPECT_OK(symlink("nowhere", (dir / "dangling").c_str()));
    struct stat st;
    EXPECT_ERRNO(stat((dir / "dangling").c_str(), &st), ENOENT);
    EXPECT_OK(lstat((dir / "dangling").c_str(), &st));
    // A link to a directory works in the middle of a path.
    EXPECT_OK(mkdir((dir / "real").c_str(), 0755));
    EXPECT(write_file(dir / "real/inner", "inner"));
    EXPECT_OK(symlink("real", (dir / "dirlink").c_str()));
    EXPECT(read_file(dir / "dirlink/inner") == "inner");
    EXPECT_OK(symlink("..", (dir / "real/up").c_str()));
    EXPECT(read_file(dir / "real/up/target") == "through the link");
}

TEST(symlink_loop_eloop)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    EXPECT_OK(symlink("b", (dir / "a").c_str()));
    EXPECT_OK(symlink("a", (dir / "b").c_str()));
    EXPECT_OK(symlink("self", (dir / "self").c_str()));
    struct stat st;
    EXPECT_ERRNO(open((dir / "a").c_str(), O_RDONLY), ELOOP);
    EXPECT_ERRNO(stat((dir / "a").c_str(), &st), ELOOP);
    EXPECT_ERRNO(stat((dir / "self").c_str(), &st), ELOOP);
    EXPECT_ERRNO(open((dir / "a/x").c_str(), O_RDONLY), ELOOP);
    EXPECT_ERRNO(open((dir / "self").c_str(), O_CREAT | O_WRONLY, 0600), ELOOP);
    EXPECT_OK(lstat((dir / "a").c_str(), &st));
}

// Linux follows at most 40 symlinks in one lookup: a chain of 40 resolves,
// 41 is ELOOP.
TEST(symlink_chain_limit_is_40)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "end", "end of the chain"));
    std::string previous = "end";
    for (int i = 1; i <= 41; ++i) {
        std::string name = "l" + std::to_string(i);
        EXPECT_OK(symlink(previous.c_str(), (dir / name).c_str()));
        previous = name;
    }
    EXPECT(read_file(dir / "l40") == "end of the chain");
    EXPECT_ERRNO(open((dir / "l41").c_str(), O_RDONLY), ELOOP);
}

TEST(o_nofollow_on_a_symlink)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "file", "x"));
    EXPECT_OK(symlink("file", (dir / "link").c_str()));
    EXPECT_ERRNO(open((dir / "link").c_str(), O_RDONLY | O_NOFOLLOW), ELOOP);
    int fd = EXPECT_OK(open((dir / "file").c_str(), O_RDONLY | O_NOFOLLOW));
    close(fd);
    // Only the last component is concerned.
    EXPECT_OK(mkdir((dir / "real").c_str(), 0755));
    EXPECT(write_file(dir / "real/inner", "x"));
    EXPECT_OK(symlink("real", (dir / "dirlink").c_str()));
    fd = EXPECT_OK(open((dir / "dirlink/inner").c_str(), O_RDONLY | O_NOFOLLOW));
    close(fd);
    // O_PATH | O_NOFOLLOW opens the link itself.
    fd = EXPECT_OK(open((dir / "link").c_str(), O_PATH | O_NOFOLLOW));
    struct stat st;
    EXPECT_OK(fstat(fd, &st));
    EXPECT(S_ISLNK(st.st_mode));
    close(fd);
}

TEST(hard_links_share_the_inode)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    std::string a = dir / "a", b = dir / "b";
    EXPECT(write_file(a, "shared"));
    EXPECT_OK(link(a.c_str(), b.c_str()));
    struct stat sa, sb;
    EXPECT_OK(stat(a.c_str(), &sa));
    EXPECT_OK(stat(b.c_str(), &sb));
    EXPECT_EQ(sa.st_ino, sb.st_ino);
    EXPECT_EQ(sa.st_nlink, 2);
    // Writing through one name shows through the other.
    EXPECT(write_file(b, "changed"));
    EXPECT(read_file(a) == "changed");
    EXPECT_OK(unlink(a.c_str()));
    EXPECT_OK(stat(b.c_str(), &sb));
    EXPECT_EQ(sb.st_nlink, 1);
    // Errors.
    EXPECT_ERRNO(link(b.c_str(), b.c_str()), EEXIST);
    EXPECT_ERRNO(link((dir / "missing").c_str(), (dir / "c").c_str()), ENOENT);
    EXPECT_ERRNO(link(dir.c_str(), (dir / "dirlink").c_str()), EPERM);
    // linkat with AT_SYMLINK_FOLLOW links the target, without it the link.
    EXPECT_OK(symlink("b", (dir / "sym").c_str()));
    EXPECT_OK(linkat(AT_FDCWD, (dir / "sym").c_str(), AT_FDCWD, (dir / "to_target").c_str(), AT_SYMLINK_FOLLOW));
    EXPECT_OK(linkat(AT_FDCWD, (dir / "sym").c_str(), AT_FDCWD, (dir / "to_link").c_str(), 0));
    struct stat st;
    EXPECT_OK(lstat((dir / "to_target").c_str(), &st));
    EXPECT(S_ISREG(st.st_mode));
    EXPECT_OK(lstat((dir / "to_link").c_str(), &st));
    EXPECT(S_ISLNK(st.st_mode));
}

TEST(enametoolong_for_long_paths_and_components)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    // A path longer than PATH_MAX (4096).
    std::string long_path = "/";
    while (long_path.size() < 5000)
        long_path += "a/";
    struct stat st;
    EXPECT_ERRNO(open(long_path.c_str(), O_RDONLY), ENAMETOOLONG);
    EXPECT_ERRNO(stat(long_path.c_str(), &st), ENAMETOOLONG);
    EXPECT_ERRNO(mkdir(long_path.c_str(), 0755), ENAMETOOLONG);
    // A component longer than NAME_MAX (255).
    std::string long_name = dir / std::string(300, 'n');
    EXPECT_ERRNO(open(long_name.c_str(), O_CREAT | O_WRONLY, 0600), ENAMETOOLONG);
    EXPECT_ERRNO(stat(long_name.c_str(), &st), ENAMETOOLONG);
    EXPECT_ERRNO(mkdir(long_name.c_str(), 0755), ENAMETOOLONG);
    EXPECT_ERRNO(open((dir / std::string(256, 'n')).c_str(), O_CREAT | O_WRONLY, 0600), ENAMETOOLONG);
    // Exactly 255 is allowed.
    std::string longest = dir / std::string(255, 'n');
    int fd = EXPECT_OK(open(longest.c_str(), O_CREAT | O_WRONLY, 0600));
    close(fd);
    EXPECT_OK(unlink(longest.c_str()));
}

TEST(enotdir_for_a_file_in_the_middle_or_with_a_trailing_slash)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "file", "x"));
    struct stat st;
    EXPECT_ERRNO(stat((dir / "file/x").c_str(), &st), ENOTDIR);
    EXPECT_ERRNO(stat((dir / "file/").c_str(), &st), ENOTDIR);
    EXPECT_ERRNO(open((dir / "file/").c_str(), O_RDONLY), ENOTDIR);
    EXPECT_ERRNO(stat((dir / "file/.").c_str(), &st), ENOTDIR);
    EXPECT_OK(stat((dir.path() + "/").c_str(), &st));
    EXPECT_OK(stat((dir.path() + "//").c_str(), &st));
}

TEST(dot_and_dotdot_resolve)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    EXPECT_OK(mkdir((dir / "a").c_str(), 0755));
    EXPECT_OK(mkdir((dir / "a/b").c_str(), 0755));
    EXPECT(write_file(dir / "file", "top"));
    EXPECT(read_file(dir / "a/b/../../file") == "top");
    EXPECT(read_file(dir / "./a/./b/./../.././file") == "top");
    EXPECT(read_file("//" + dir.path().substr(1) + "//a/..//file") == "top");
    struct stat root, above_root;
    EXPECT_OK(stat("/", &root));
    EXPECT_OK(stat("/..", &above_root));
    EXPECT_EQ(root.st_ino, above_root.st_ino);
    EXPECT_OK(stat("/../../..", &above_root));
    EXPECT_EQ(root.st_ino, above_root.st_ino);
}

TEST(openat_dirfd_rules)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    EXPECT(write_file(dir / "file", "relative to dirfd"));
    int dirfd = EXPECT_OK(open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    int fd = EXPECT_OK(openat(dirfd, "file", O_RDONLY));
    char buffer[32] = {};
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 17);
    // A file descriptor as dirfd for a relative path: ENOTDIR.
    EXPECT_ERRNO(openat(fd, "x", O_RDONLY), ENOTDIR);
    close(fd);
    EXPECT_ERRNO(openat(9999, "file", O_RDONLY), EBADF);
    // Absolute paths ignore dirfd.
    fd = EXPECT_OK(openat(9999, (dir / "file").c_str(), O_RDONLY));
    close(fd);
    fd = EXPECT_OK(openat(dirfd, "new", O_CREAT | O_WRONLY, 0600));
    close(fd);
    EXPECT_OK(access((dir / "new").c_str(), F_OK));
    close(dirfd);
}

TEST(access_and_faccessat)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    std::string file = dir / "file", script = dir / "script";
    EXPECT(write_file(file, "x", 0644));
    EXPECT(write_file(script, "x", 0755));
    EXPECT_OK(access(file.c_str(), F_OK));
    EXPECT_OK(access(file.c_str(), R_OK | W_OK));
    EXPECT_OK(access(script.c_str(), X_OK));
    EXPECT_ERRNO(access((dir / "missing").c_str(), F_OK), ENOENT);
    EXPECT_ERRNO(access(file.c_str(), 0x40), EINVAL);
    if (geteuid() == 0) {
        // Root may read and write anything, but execute only what has an x bit.
        EXPECT_OK(chmod(file.c_str(), 0));
        EXPECT_OK(access(file.c_str(), R_OK | W_OK));
        EXPECT_ERRNO(access(file.c_str(), X_OK), EACCES);
    }
    int dirfd = EXPECT_OK(open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    EXPECT_OK(faccessat(dirfd, "script", X_OK, 0));
    EXPECT_OK(faccessat(dirfd, "script", R_OK, AT_EACCESS));
    EXPECT_OK(symlink("nowhere", (dir / "dangling").c_str()));
    EXPECT_ERRNO(faccessat(dirfd, "dangling", F_OK, 0), ENOENT);
    EXPECT_OK(faccessat(dirfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
    close(dirfd);
}

TEST(chmod_fchmod_fchmodat)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    std::string file = dir / "file";
    EXPECT(write_file(file, "x", 0600));
    struct stat st;
    EXPECT_OK(chmod(file.c_str(), 0754));
    EXPECT_OK(stat(file.c_str(), &st));
    EXPECT_EQ(st.st_mode, S_IFREG | 0754);
    int fd = EXPECT_OK(open(file.c_str(), O_RDONLY));
    EXPECT_OK(fchmod(fd, 04711)); // the set-user-ID bit is kept too
    EXPECT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_mode, S_IFREG | 04711);
    close(fd);
    EXPECT_OK(fchmodat(AT_FDCWD, file.c_str(), 0640, 0));
    EXPECT_OK(stat(file.c_str(), &st));
    EXPECT_EQ(st.st_mode, S_IFREG | 0640);
    // A directory keeps its type bits.
    EXPECT_OK(chmod(dir.c_str(), 0711));
    EXPECT_OK(stat(dir.c_str(), &st));
    EXPECT_EQ(st.st_mode, S_IFDIR | 0711);
    EXPECT_OK(chmod(dir.c_str(), 0700));
    EXPECT_ERRNO(chmod((dir / "missing").c_str(), 0600), ENOENT);
    EXPECT_ERRNO(fchmod(9999, 0600), EBADF);
}

TEST(chown_fchown_lchown)
{
    if (geteuid() != 0)
        SKIP("changing owners needs root");
    Scratch dir("path");
    EXPECT(dir.ok());
    std::string file = dir / "file", link = dir / "link";
    EXPECT(write_file(file, "x"));
    EXPECT_OK(symlink("file", link.c_str()));
    struct stat st;
    EXPECT_OK(chown(file.c_str(), 1000, 1001));
    EXPECT_OK(stat(file.c_str(), &st));
    EXPECT_EQ(st.st_uid, 1000);
    EXPECT_EQ(st.st_gid, 1001);
    // -1 leaves that id alone.
    EXPECT_OK(chown(file.c_str(), -1, 1002));
    EXPECT_OK(stat(file.c_str(), &st));
    EXPECT_EQ(st.st_uid, 1000);
    EXPECT_EQ(st.st_gid, 1002);
    int fd = EXPECT_OK(open(file.c_str(), O_RDONLY));
    EXPECT_OK(fchown(fd, 0, 0));
    EXPECT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_uid, 0);
    close(fd);
    // lchown changes the link, not its target.
    EXPECT_OK(lchown(link.c_str(), 1003, 1003));
    EXPECT_OK(lstat(link.c_str(), &st));
    EXPECT_EQ(st.st_uid, 1003);
    EXPECT_OK(stat(file.c_str(), &st));
    EXPECT_EQ(st.st_uid, 0);
    EXPECT_ERRNO(chown((dir / "missing").c_str(), 0, 0), ENOENT);
}

TEST(umask_applies_to_new_files_and_directories)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    mode_t saved = umask(022);
    mode_t previous = umask(027);
    struct stat st;
    int fd = open((dir / "file").c_str(), O_CREAT | O_WRONLY, 0666);
    int mkdir_result = mkdir((dir / "sub").c_str(), 0777);
    mode_t set_back = umask(022);
    int fd2 = open((dir / "file2").c_str(), O_CREAT | O_WRONLY, 0777);
    umask(saved);
    EXPECT_EQ(previous, 022);
    EXPECT_EQ(set_back, 027);
    EXPECT_GE(fd, 0);
    EXPECT_GE(fd2, 0);
    close(fd);
    close(fd2);
    EXPECT_EQ(mkdir_result, 0);
    EXPECT_OK(stat((dir / "file").c_str(), &st));
    EXPECT_EQ(st.st_mode & 07777, 0640);
    EXPECT_OK(stat((dir / "sub").c_str(), &st));
    EXPECT_EQ(st.st_mode & 07777, 0750);
    EXPECT_OK(stat((dir / "file2").c_str(), &st));
    EXPECT_EQ(st.st_mode & 07777, 0755);
    // umask does not apply to chmod.
    EXPECT_OK(chmod((dir / "file2").c_str(), 0777));
    EXPECT_OK(stat((dir / "file2").c_str(), &st));
    EXPECT_EQ(st.st_mode & 07777, 0777);
}

TEST(utimensat_sets_times)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    std::string file = dir / "file";
    EXPECT(write_file(file, "x"));
    timespec times[2] = { { 1000000000, 111 }, { 1200000000, 222 } };
    EXPECT_OK(utimensat(AT_FDCWD, file.c_str(), times, 0));
    struct stat st;
    EXPECT_OK(stat(file.c_str(), &st));
    EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
    EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 222);
    // UTIME_OMIT leaves one alone; UTIME_NOW sets it to now.
    timespec now {};
    clock_gettime(CLOCK_REALTIME, &now);
    timespec partial[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
    EXPECT_OK(utimensat(AT_FDCWD, file.c_str(), partial, 0));
    EXPECT_OK(stat(file.c_str(), &st));
    EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
    EXPECT_GE(st.st_mtim.tv_sec, now.tv_sec - 1);
    EXPECT_LE(st.st_mtim.tv_sec, now.tv_sec + 5);
    // futimens on a descriptor; NULL means both now.
    int fd = EXPECT_OK(open(file.c_str(), O_RDWR));
    EXPECT_OK(futimens(fd, times));
    EXPECT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);
    // Writing updates the modification time.
    EXPECT_EQ(write(fd, "y", 1), 1);
    EXPECT_OK(fstat(fd, &st));
    EXPECT_GE(st.st_mtim.tv_sec, now.tv_sec - 1);
    EXPECT_OK(futimens(fd, nullptr));
    EXPECT_OK(fstat(fd, &st));
    EXPECT_GE(st.st_atim.tv_sec, now.tv_sec - 1);
    close(fd);
    // AT_SYMLINK_NOFOLLOW sets the link's own times.
    EXPECT_OK(symlink("file", (dir / "link").c_str()));
    EXPECT_OK(utimensat(AT_FDCWD, (dir / "link").c_str(), times, AT_SYMLINK_NOFOLLOW));
    EXPECT_OK(lstat((dir / "link").c_str(), &st));
    EXPECT_EQ(st.st_mtim.tv_sec, 1200000000);
    EXPECT_OK(stat(file.c_str(), &st));
    EXPECT_NE(st.st_mtim.tv_sec, 1200000000);
    // Errors.
    timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
    EXPECT_ERRNO(utimensat(AT_FDCWD, file.c_str(), bad, 0), EINVAL);
    EXPECT_ERRNO(utimensat(AT_FDCWD, (dir / "missing").c_str(), times, 0), ENOENT);
}

TEST(mkfifo_makes_a_named_pipe)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    std::string fifo = dir / "fifo";
    EXPECT_OK(mkfifo(fifo.c_str(), 0600));
    struct stat st;
    EXPECT_OK(stat(fifo.c_str(), &st));
    EXPECT(S_ISFIFO(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600);
    EXPECT_ERRNO(mkfifo(fifo.c_str(), 0600), EEXIST);
    // No reader yet: a non-blocking writer gets ENXIO.
    EXPECT_ERRNO(open(fifo.c_str(), O_WRONLY | O_NONBLOCK), ENXIO);
    int reader = EXPECT_OK(open(fifo.c_str(), O_RDONLY | O_NONBLOCK));
    int writer = EXPECT_OK(open(fifo.c_str(), O_WRONLY | O_NONBLOCK));
    EXPECT_EQ(write(writer, "through", 7), 7);
    char buffer[16] = {};
    EXPECT_EQ(read(reader, buffer, sizeof(buffer)), 7);
    EXPECT_EQ(memcmp(buffer, "through", 7), 0);
    close(writer);
    EXPECT_EQ(read(reader, buffer, sizeof(buffer)), 0);
    close(reader);
    // Blocking opens meet: a child writes, this process reads.
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        int fd = open(fifo.c_str(), O_WRONLY);
        _exit(fd >= 0 && write(fd, "child", 5) == 5 ? 0 : 1);
    }
    reader = EXPECT_OK(open(fifo.c_str(), O_RDONLY));
    memset(buffer, 0, sizeof(buffer));
    size_t got = 0;
    ssize_t n;
    while ((n = read(reader, buffer + got, sizeof(buffer) - got)) > 0)
        got += n;
    close(reader);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(got, 5);
    EXPECT_EQ(memcmp(buffer, "child", 5), 0);
}

TEST(mknod_fifo_and_device_node)
{
    Scratch dir("path");
    EXPECT(dir.ok());
    std::string fifo = dir / "fifo";
    EXPECT_OK(mknod(fifo.c_str(), S_IFIFO | 0644, 0));
    struct stat st;
    EXPECT_OK(stat(fifo.c_str(), &st));
    EXPECT(S_ISFIFO(st.st_mode));
    EXPECT_ERRNO(mknod((dir / "bad").c_str(), 0170000 | 0644, 0), EINVAL);
    if (geteuid() != 0)
        SKIP("device nodes need root (the FIFO part passed)");
    // Character device 1:3 is /dev/null on Linux.
    std::string node = dir / "null";
    EXPECT_OK(mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)));
    EXPECT_OK(stat(node.c_str(), &st));
    EXPECT(S_ISCHR(st.st_mode));
    EXPECT_EQ(major(st.st_rdev), 1);
    EXPECT_EQ(minor(st.st_rdev), 3);
    int fd = EXPECT_OK(open(node.c_str(), O_RDWR));
    EXPECT_EQ(write(fd, "gone", 4), 4);
    char c;
    EXPECT_EQ(read(fd, &c, 1), 0);
    close(fd);
}

int main()
{
    return guest_test::run_tests();
}
