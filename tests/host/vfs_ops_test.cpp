// The VFS calls (kernel/fs/vfs/vfs.h) and open file descriptions
// (open_file.h) with Linux's results and errno: open and its flags, read,
// write, lseek, getdents64, mkdir/mknod/symlink/link/unlink/rmdir/rename,
// readlink, stat/statx/statfs, access, chmod, chown, utimensat, truncate,
// permissions (EACCES, EPERM, sticky directories), mounts (EXDEV, EBUSY,
// EROFS, bind mounts, mount by type), chdir, chroot and getcwd.
#include "fs_test_fixture.h"
#include <map>

using fs_test::FsTest;

namespace {

class VfsOpsTest : public FsTest {
protected:
    ErrorOr<usize> write_to(vfs::OpenFile& file, std::string const& data)
    {
        KernelIoBuffer buffer(static_cast<void const*>(data.data()), data.size());
        return file.write(buffer, data.size());
    }
    ErrorOr<std::string> read_from(vfs::OpenFile& file, usize count)
    {
        std::string data(count, '\0');
        KernelIoBuffer buffer(data.data(), count);
        usize got = TRY(file.read(buffer, count));
        data.resize(got);
        return data;
    }
    vfs::Context user_context(u32 uid = 1000, u32 gid = 1000)
    {
        m_user = Credentials::user(uid, gid);
        return context(m_user);
    }
    Credentials m_user;
};

// ------------------------------------------------------------------ open

TEST_F(VfsOpsTest, open_creates_truncates_appends)
{
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/f", O_RDONLY, 0), ENOENT);
    auto file = MUST(vfs::open(as_root(), root(), "/f", O_RDWR | O_CREAT, 0640));
    EXPECT_EQ(MUST(stat("/f")).mode, static_cast<u32>(S_IFREG | 0640));
    MUST(write_to(*file, "hello world"));
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/f", O_RDWR | O_CREAT | O_EXCL, 0640), EEXIST);
    auto again = MUST(vfs::open(as_root(), root(), "/f", O_RDWR | O_CREAT, 0600));
    EXPECT_EQ(MUST(stat("/f")).mode, static_cast<u32>(S_IFREG | 0640)); // mode only for new files
    auto appender = MUST(vfs::open(as_root(), root(), "/f", O_WRONLY | O_APPEND, 0));
    MUST(write_to(*appender, "!"));
    EXPECT_EQ(appender->offset(), 12u);
    // O_APPEND writes at the end whatever the position (pwrite too, as Linux).
    MUST(appender->seek(0, SEEK_SET));
    MUST(write_to(*appender, "?"));
    EXPECT_EQ(MUST(read_file("/f")), "hello world!?");
    auto truncating = MUST(vfs::open(as_root(), root(), "/f", O_WRONLY | O_TRUNC, 0));
    EXPECT_EQ(MUST(stat("/f")).size, 0);
    EXPECT_EQ(truncating->flags() & (O_TRUNC | O_CREAT), 0u);
}

TEST_F(VfsOpsTest, umask_applies_to_created_modes)
{
    vfs::Context masked = context(m_superuser, 027);
    MUST(vfs::open(masked, root(), "/f", O_CREAT | O_WRONLY, 0666));
    MUST(vfs::mkdir(masked, root(), "/d", 0777));
    MUST(vfs::mknod(masked, root(), "/p", S_IFIFO | 0666, 0));
    MUST(vfs::symlink(masked, "f", root(), "/l"));
    EXPECT_EQ(MUST(stat("/f")).mode & 07777, 0640u);
    EXPECT_EQ(MUST(stat("/d")).mode & 07777, 0750u);
    EXPECT_EQ(MUST(stat("/p")).mode & 07777, 0640u);
    EXPECT_EQ(MUST(stat("/l", AT_SYMLINK_NOFOLLOW)).mode & 07777, 0777u);
}

TEST_F(VfsOpsTest, open_of_directories_and_flags)
{
    MUST(make_directory("/d"));
    MUST(write_file("/f", "x"));
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/d", O_WRONLY, 0), EISDIR);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/d", O_RDWR, 0), EISDIR);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/d", O_RDONLY | O_TRUNC, 0), EISDIR);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/d", O_CREAT | O_WRONLY, 0644), EISDIR);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/f", O_RDONLY | O_DIRECTORY, 0), ENOTDIR);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/new", O_CREAT | O_DIRECTORY, 0644), EINVAL);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/", O_CREAT | O_WRONLY, 0644), EISDIR);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/d", O_TMPFILE | O_RDWR, 0600), EOPNOTSUPP);
    auto directory = MUST(vfs::open(as_root(), root(), "/d", O_RDONLY | O_DIRECTORY, 0));
    EXPECT_ERRNO(read_from(*directory, 10), EISDIR);
    MUST(vfs::symlink(as_root(), "f", root(), "/link"));
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/link", O_RDONLY | O_NOFOLLOW, 0), ELOOP);
    EXPECT_EQ(MUST(read_from(*MUST(vfs::open(as_root(), root(), "/link", O_RDONLY, 0)), 10)), "x");
}

TEST_F(VfsOpsTest, o_path_descriptors_only_name_a_file)
{
    MUST(write_file("/f", "data"));
    MUST(vfs::symlink(as_root(), "f", root(), "/link"));
    auto path_only = MUST(vfs::open(as_root(), root(), "/f", O_PATH | O_RDWR | O_TRUNC, 0));
    EXPECT_EQ(MUST(stat("/f")).size, 4); // O_TRUNC ignored
    EXPECT_ERRNO(read_from(*path_only, 4), EBADF);
    EXPECT_ERRNO(write_to(*path_only, "x"), EBADF);
    EXPECT_ERRNO(path_only->seek(0, SEEK_SET), EBADF);
    EXPECT_ERRNO(path_only->ioctl(0x5401, 0), EBADF);
    EXPECT_EQ(vfs::stat(path_only->location()).size, 4);
    // O_PATH|O_NOFOLLOW names the symlink itself.
    auto link = MUST(vfs::open(as_root(), root(), "/link", O_PATH | O_NOFOLLOW, 0));
    EXPECT_TRUE(link->inode()->is_symlink());
    // Even without read permission: only the path's directories count.
    MUST(vfs::chmod(as_root(), root(), "/f", 0, 0));
    MUST(vfs::open(user_context(), root(), "/f", O_PATH, 0));
}

TEST_F(VfsOpsTest, access_mode_is_enforced_per_description)
{
    MUST(write_file("/f", "abc"));
    auto reader = MUST(vfs::open(as_root(), root(), "/f", O_RDONLY, 0));
    auto writer = MUST(vfs::open(as_root(), root(), "/f", O_WRONLY, 0));
    EXPECT_ERRNO(write_to(*reader, "x"), EBADF);
    EXPECT_ERRNO(read_from(*writer, 1), EBADF);
    EXPECT_ERRNO(reader->truncate(0), EINVAL);
    char unused;
    KernelIoBuffer nothing(&unused, 0);
    EXPECT_ERRNO(writer->read_directory(nothing, 0), ENOTDIR);
    EXPECT_EQ(reader->flags() & O_ACCMODE, static_cast<u32>(O_RDONLY));
    reader->set_status_flags(O_NONBLOCK | O_APPEND | O_RDWR);
    EXPECT_EQ(reader->flags(), static_cast<u32>(O_RDONLY | O_NONBLOCK | O_APPEND));
    EXPECT_ERRNO(reader->ioctl(0x5401, 0), ENOTTY);
    EXPECT_EQ(reader->poll(), static_cast<u32>(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM));
}

TEST_F(VfsOpsTest, lseek_and_positional_io)
{
    MUST(write_file("/f", "0123456789"));
    auto file = MUST(vfs::open(as_root(), root(), "/f", O_RDWR, 0));
    EXPECT_EQ(MUST(file->seek(3, SEEK_SET)), 3u);
    EXPECT_EQ(MUST(read_from(*file, 2)), "34");
    EXPECT_EQ(MUST(file->seek(-1, SEEK_CUR)), 4u);
    EXPECT_EQ(MUST(file->seek(-2, SEEK_END)), 8u);
    EXPECT_EQ(MUST(file->seek(100, SEEK_END)), 110u);
    EXPECT_EQ(MUST(read_from(*file, 5)), "");
    EXPECT_ERRNO(file->seek(-1, SEEK_SET), EINVAL);
    EXPECT_ERRNO(file->seek(-11, SEEK_END), EINVAL);
    EXPECT_ERRNO(file->seek(0, 42), EINVAL);
    EXPECT_EQ(MUST(file->seek(2, SEEK_DATA)), 2u);
    EXPECT_EQ(MUST(file->seek(2, SEEK_HOLE)), 10u);
    EXPECT_ERRNO(file->seek(10, SEEK_DATA), ENXIO);
    // pread/pwrite leave the position alone.
    MUST(file->seek(1, SEEK_SET));
    char buffer[3];
    KernelIoBuffer in(buffer, 3);
    EXPECT_EQ(MUST(file->pread(in, 3, 7)), 3u);
    EXPECT_EQ(std::string(buffer, 3), "789");
    KernelIoBuffer out(static_cast<void const*>("AB"), 2);
    EXPECT_EQ(MUST(file->pwrite(out, 2, 0)), 2u);
    EXPECT_EQ(file->offset(), 1u);
    EXPECT_ERRNO(file->pread(in, 3, -1), EINVAL);
    EXPECT_EQ(MUST(read_file("/f")), "AB23456789");
    // Directories seek by position only.
    auto directory = MUST(vfs::open(as_root(), root(), "/", O_RDONLY, 0));
    EXPECT_ERRNO(directory->seek(0, SEEK_END), EINVAL);
    EXPECT_EQ(MUST(directory->seek(2, SEEK_SET)), 2u);
}

TEST_F(VfsOpsTest, getdents64_records_and_errors)
{
    MUST(make_directory("/d"));
    MUST(write_file("/d/file", ""));
    MUST(make_directory("/d/sub"));
    MUST(vfs::symlink(as_root(), "file", root(), "/d/link"));
    auto directory = MUST(vfs::open(as_root(), root(), "/d", O_RDONLY | O_DIRECTORY, 0));
    // Too small for even one record.
    u8 tiny[20];
    KernelIoBuffer small(tiny, sizeof(tiny));
    EXPECT_ERRNO(directory->read_directory(small, sizeof(tiny)), EINVAL);
    u8 bytes[512];
    KernelIoBuffer buffer(bytes, sizeof(bytes));
    usize got = MUST(directory->read_directory(buffer, sizeof(bytes)));
    std::map<std::string, u8> types;
    i64 last_offset = 0;
    for (usize offset = 0; offset < got;) {
        LinuxDirent64 head;
        memcpy(&head, bytes + offset, sizeof(head));
        char const* name = reinterpret_cast<char const*>(bytes + offset + LinuxDirent64::kNameOffset);
        EXPECT_EQ(head.reclen, vfs::dirent64_record_length(strlen(name)));
        EXPECT_GT(head.off, last_offset);
        last_offset = head.off;
        types[name] = head.type;
        offset += head.reclen;
    }
    std::map<std::string, u8> expected { { ".", DT_DIR }, { "..", DT_DIR }, { "file", DT_REG }, { "sub", DT_DIR }, { "link", DT_LNK } };
    EXPECT_EQ(types, expected);
    EXPECT_EQ(MUST(directory->read_directory(buffer, sizeof(bytes))), 0u);
    // d_off of a record is where the next call starts.
    MUST(directory->seek(last_offset, SEEK_SET));
    EXPECT_EQ(MUST(directory->read_directory(buffer, sizeof(bytes))), 0u);
    auto file = MUST(vfs::open(as_root(), root(), "/d/file", O_RDONLY, 0));
    EXPECT_ERRNO(file->read_directory(buffer, sizeof(bytes)), ENOTDIR);
}

// ------------------------------------------------------------------ names

TEST_F(VfsOpsTest, mkdir_and_rmdir_errors)
{
    MUST(make_directory("/d"));
    MUST(write_file("/d/f", ""));
    EXPECT_ERRNO(make_directory("/d"), EEXIST);
    EXPECT_ERRNO(make_directory("/d/f"), EEXIST);
    EXPECT_ERRNO(make_directory("/"), EEXIST);
    EXPECT_ERRNO(make_directory("/d/."), EEXIST);
    EXPECT_ERRNO(make_directory("/d/.."), EEXIST);
    EXPECT_ERRNO(make_directory("/missing/x"), ENOENT);
    EXPECT_ERRNO(vfs::rmdir(as_root(), root(), "/d"), ENOTEMPTY);
    EXPECT_ERRNO(vfs::rmdir(as_root(), root(), "/d/f"), ENOTDIR);
    EXPECT_ERRNO(vfs::rmdir(as_root(), root(), "/missing"), ENOENT);
    EXPECT_ERRNO(vfs::rmdir(as_root(), root(), "/d/."), EINVAL);
    EXPECT_ERRNO(vfs::rmdir(as_root(), root(), "/d/.."), ENOTEMPTY);
    EXPECT_ERRNO(vfs::rmdir(as_root(), root(), "/"), EBUSY);
    MUST(vfs::unlink(as_root(), root(), "/d/f"));
    MUST(vfs::rmdir(as_root(), root(), "/d"));
    EXPECT_ERRNO(lookup("/d"), ENOENT);
}

TEST_F(VfsOpsTest, unlink_errors)
{
    MUST(make_directory("/d"));
    EXPECT_ERRNO(vfs::unlink(as_root(), root(), "/d"), EISDIR);
    EXPECT_ERRNO(vfs::unlink(as_root(), root(), "/missing"), ENOENT);
    EXPECT_ERRNO(vfs::unlink(as_root(), root(), "/"), EISDIR);
    EXPECT_ERRNO(vfs::unlink(as_root(), root(), "/d/.."), EISDIR);
    EXPECT_ERRNO(vfs::unlink(as_root(), root(), "/missing/x"), ENOENT);
}

TEST_F(VfsOpsTest, mknod_types_and_privilege)
{
    MUST(vfs::mknod(as_root(), root(), "/regular", 0644, 0));
    EXPECT_EQ(MUST(stat("/regular")).mode, static_cast<u32>(S_IFREG | 0644));
    EXPECT_ERRNO(vfs::mknod(as_root(), root(), "/dir", S_IFDIR | 0755, 0), EPERM);
    EXPECT_ERRNO(vfs::mknod(as_root(), root(), "/bad", 0170000 | 0644, 0), EINVAL);
    EXPECT_ERRNO(vfs::mknod(as_root(), root(), "/regular", S_IFIFO | 0644, 0), EEXIST);
    MUST(make_directory("/open", 0777));
    vfs::Context user = user_context();
    EXPECT_ERRNO(vfs::mknod(user, root(), "/open/dev", S_IFCHR | 0600, vfs::make_device(1, 3)), EPERM);
    MUST(vfs::mknod(user, root(), "/open/fifo", S_IFIFO | 0600, 0));
    EXPECT_EQ(MUST(stat("/open/fifo")).uid, 1000u);
    // Opening a FIFO with no pipe support yet, or a socket, is ENXIO.
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/open/fifo", O_RDONLY | O_NONBLOCK, 0), ENXIO);
    MUST(vfs::mknod(as_root(), root(), "/sock", S_IFSOCK | 0777, 0));
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/sock", O_RDONLY, 0), ENXIO);
}

TEST_F(VfsOpsTest, symlink_and_readlink_errors)
{
    MUST(write_file("/f", ""));
    EXPECT_ERRNO(vfs::symlink(as_root(), "", root(), "/l"), ENOENT);
    EXPECT_ERRNO(vfs::symlink(as_root(), "x", root(), "/f"), EEXIST);
    MUST(vfs::symlink(as_root(), "a-long-target", root(), "/l"));
    char buffer[6];
    KernelIoBuffer out(buffer, sizeof(buffer));
    EXPECT_EQ(MUST(vfs::readlink(as_root(), root(), "/l", out, sizeof(buffer))), 6u);
    EXPECT_EQ(std::string(buffer, 6), "a-long");
    EXPECT_ERRNO(vfs::readlink(as_root(), root(), "/f", out, sizeof(buffer)), EINVAL);
    EXPECT_ERRNO(vfs::readlink(as_root(), root(), "/l", out, 0), EINVAL);
    EXPECT_ERRNO(vfs::readlink(as_root(), root(), "/none", out, sizeof(buffer)), ENOENT);
    // readlinkat(fd, "") reads the link an O_PATH descriptor names.
    auto link = MUST(vfs::open(as_root(), root(), "/l", O_PATH | O_NOFOLLOW, 0));
    EXPECT_EQ(MUST(vfs::readlink(as_root(), link->location(), "", out, sizeof(buffer))), 6u);
    auto file = MUST(vfs::open(as_root(), root(), "/f", O_PATH, 0));
    EXPECT_ERRNO(vfs::readlink(as_root(), file->location(), "", out, sizeof(buffer)), ENOENT);
}

TEST_F(VfsOpsTest, link_errors)
{
    MUST(make_directory("/d"));
    MUST(write_file("/f", ""));
    MUST(vfs::symlink(as_root(), "f", root(), "/l"));
    EXPECT_ERRNO(vfs::link(as_root(), root(), "/d", root(), "/d2", 0), EPERM);
    EXPECT_ERRNO(vfs::link(as_root(), root(), "/f", root(), "/d", 0), EEXIST);
    EXPECT_ERRNO(vfs::link(as_root(), root(), "/missing", root(), "/x", 0), ENOENT);
    EXPECT_ERRNO(vfs::link(as_root(), root(), "/f", root(), "/x", 0x8), EINVAL);
    // Without AT_SYMLINK_FOLLOW the link itself gets the new name.
    MUST(vfs::link(as_root(), root(), "/l", root(), "/l2", 0));
    EXPECT_TRUE(MUST(lookup("/l2", vfs::kResolveNoFollow)).inode->is_symlink());
    MUST(vfs::link(as_root(), root(), "/l", root(), "/f2", AT_SYMLINK_FOLLOW));
    EXPECT_EQ(MUST(stat("/f2")).ino, MUST(stat("/f")).ino);
}

// ------------------------------------------------------------------ mounts

TEST_F(VfsOpsTest, cross_mount_rename_and_link_are_exdev)
{
    MUST(make_directory("/mnt"));
    MUST(write_file("/f", "x"));
    vfs::Location at = MUST(lookup("/mnt"));
    MUST(mounts.mount(MUST(tmpfs::TmpFs::create({})), at, "tmp", 0));
    MUST(make_directory("/mnt/d"));
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/f", root(), "/mnt/f", 0), EXDEV);
    EXPECT_ERRNO(vfs::link(as_root(), root(), "/f", root(), "/mnt/f", 0), EXDEV);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/mnt/d", root(), "/d", 0), EXDEV);
    // A bind mount of the same file system is another mount: still EXDEV.
    MUST(make_directory("/bind"));
    MUST(make_directory("/src"));
    MUST(write_file("/src/g", "g"));
    MUST(vfs::mount(as_root(), root(), "/src", "/bind", "", MS_BIND, ""));
    EXPECT_EQ(MUST(read_file("/bind/g")), "g");
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/bind/g", root(), "/src/h", 0), EXDEV);
    MUST(vfs::rename(as_root(), root(), "/bind/g", root(), "/bind/h", 0));
    EXPECT_EQ(MUST(read_file("/src/h")), "g");
}

TEST_F(VfsOpsTest, a_mountpoint_seen_through_a_bind_mount_is_busy_too)
{
    MUST(make_directory("/src"));
    MUST(make_directory("/src/covered"));
    MUST(make_directory("/bind"));
    MUST(vfs::mount(as_root(), root(), "none", "/src/covered", "tmpfs", 0, ""));
    MUST(vfs::mount(as_root(), root(), "/src", "/bind", "", MS_BIND, ""));
    // Through the bind mount the directory is not crossed (the mount is on
    // /src/covered), yet it is a mountpoint.
    EXPECT_TRUE(MUST(lookup("/bind/covered")).inode->is_mountpoint());
    EXPECT_ERRNO(vfs::rmdir(as_root(), root(), "/bind/covered"), EBUSY);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/bind/covered", root(), "/bind/moved", 0), EBUSY);
    MUST(vfs::umount(as_root(), root(), "/src/covered", 0));
    MUST(vfs::rmdir(as_root(), root(), "/bind/covered"));
    MUST(vfs::umount(as_root(), root(), "/bind", 0));
}

TEST_F(VfsOpsTest, umount_is_ebusy_while_in_use)
{
    MUST(make_directory("/mnt"));
    MUST(vfs::mount(as_root(), root(), "none", "/mnt", "tmpfs", 0, "size=1m"));
    EXPECT_EQ(MUST(vfs::statfs(as_root(), root(), "/mnt")).blocks, 256u);
    MUST(write_file("/mnt/f", "x"));
    {
        auto open = MUST(vfs::open(as_root(), root(), "/mnt/f", O_RDONLY, 0));
        EXPECT_ERRNO(vfs::umount(as_root(), root(), "/mnt", 0), EBUSY);
        vfs::Location cwd = MUST(lookup("/mnt"));
        open = nullptr;
        // A working directory inside keeps it busy too.
        EXPECT_ERRNO(vfs::umount(as_root(), root(), "/mnt", 0), EBUSY);
    }
    // Something mounted inside it keeps it busy.
    MUST(make_directory("/mnt/inner"));
    MUST(vfs::mount(as_root(), root(), "none", "/mnt/inner", "tmpfs", 0, ""));
    EXPECT_ERRNO(vfs::umount(as_root(), root(), "/mnt", 0), EBUSY);
    EXPECT_ERRNO(vfs::rmdir(as_root(), root(), "/mnt"), EBUSY);
    MUST(vfs::umount(as_root(), root(), "/mnt/inner", 0));
    EXPECT_ERRNO(vfs::umount(as_root(), root(), "/mnt/f", 0), EINVAL);
    EXPECT_ERRNO(vfs::umount(as_root(), root(), "/", 0), EBUSY);
    EXPECT_ERRNO(vfs::umount(as_root(), root(), "/mnt", 0x100), EINVAL);
    EXPECT_ERRNO(vfs::umount(user_context(), root(), "/mnt", 0), EPERM);
    MUST(vfs::umount(as_root(), root(), "/mnt", 0));
    EXPECT_ERRNO(lookup("/mnt/f"), ENOENT);
    EXPECT_ERRNO(vfs::mount(as_root(), root(), "none", "/mnt", "nosuchfs", 0, ""), ENODEV);
    EXPECT_ERRNO(vfs::mount(as_root(), root(), "none", "/mnt", "tmpfs", 0, "bogus=1"), EINVAL);
    EXPECT_ERRNO(vfs::mount(user_context(), root(), "none", "/mnt", "tmpfs", 0, ""), EPERM);
    EXPECT_ERRNO(vfs::mount(as_root(), root(), "none", "/nowhere", "tmpfs", 0, ""), ENOENT);
}

TEST_F(VfsOpsTest, lazy_umount_detaches_while_files_stay_open)
{
    MUST(make_directory("/mnt"));
    MUST(vfs::mount(as_root(), root(), "none", "/mnt", "tmpfs", 0, ""));
    MUST(write_file("/mnt/f", "kept"));
    auto open = MUST(vfs::open(as_root(), root(), "/mnt/f", O_RDONLY, 0));
    MUST(vfs::umount(as_root(), root(), "/mnt", MNT_DETACH));
    EXPECT_ERRNO(lookup("/mnt/f"), ENOENT);
    EXPECT_EQ(MUST(FsTest::read_all(*open)), "kept");
    EXPECT_TRUE(open->location().mount->is_detached());
    // ".." from the detached mount's root stays there.
    vfs::Location mount_root { open->location().mount, RefPtr<vfs::Inode>(&open->location().mount->root()) };
    EXPECT_TRUE(MUST(vfs::resolve(as_root(), mount_root, "..")) == mount_root);
}

TEST_F(VfsOpsTest, read_only_mounts_refuse_changes)
{
    MUST(make_directory("/ro"));
    MUST(vfs::mount(as_root(), root(), "none", "/ro", "tmpfs", 0, ""));
    MUST(write_file("/ro/f", "x"));
    MUST(make_directory("/ro/d"));
    MUST(vfs::mount(as_root(), root(), "none", "/ro", "", MS_REMOUNT | MS_RDONLY, ""));
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/ro/f", O_WRONLY, 0), EROFS);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/ro/new", O_CREAT | O_WRONLY, 0644), EROFS);
    EXPECT_ERRNO(make_directory("/ro/x"), EROFS);
    EXPECT_ERRNO(vfs::unlink(as_root(), root(), "/ro/f"), EROFS);
    EXPECT_ERRNO(vfs::rmdir(as_root(), root(), "/ro/d"), EROFS);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/ro/f", root(), "/ro/g", 0), EROFS);
    EXPECT_ERRNO(vfs::chmod(as_root(), root(), "/ro/f", 0600, 0), EROFS);
    EXPECT_ERRNO(vfs::chown(as_root(), root(), "/ro/f", 1, 1, 0), EROFS);
    EXPECT_ERRNO(vfs::truncate(as_root(), root(), "/ro/f", 0), EROFS);
    EXPECT_ERRNO(vfs::utimens(as_root(), root(), "/ro/f", nullptr, 0), EROFS);
    EXPECT_ERRNO(vfs::access(as_root(), root(), "/ro/f", W_OK, 0), EROFS);
    MUST(vfs::access(as_root(), root(), "/ro/f", R_OK, 0));
    EXPECT_EQ(MUST(read_file("/ro/f")), "x");
    EXPECT_EQ(MUST(vfs::statfs(as_root(), root(), "/ro")).flags & vfs::kStatfsReadOnly, vfs::kStatfsReadOnly);
    EXPECT_ERRNO(vfs::mount(as_root(), root(), "none", "/ro/d", "", MS_REMOUNT, ""), EINVAL);
}

// ------------------------------------------------------------------ permissions

TEST_F(VfsOpsTest, open_checks_read_and_write_permission)
{
    MUST(write_file("/private", "p", 0600));
    MUST(write_file("/readable", "r", 0644));
    MUST(write_file("/group", "g", 0660));
    MUST(vfs::chown(as_root(), root(), "/group", 0, 1000, 0));
    vfs::Context user = user_context();
    EXPECT_ERRNO(vfs::open(user, root(), "/private", O_RDONLY, 0), EACCES);
    MUST(vfs::open(user, root(), "/readable", O_RDONLY, 0));
    EXPECT_ERRNO(vfs::open(user, root(), "/readable", O_WRONLY, 0), EACCES);
    EXPECT_ERRNO(vfs::open(user, root(), "/readable", O_RDONLY | O_TRUNC, 0), EACCES);
    MUST(vfs::open(user, root(), "/group", O_RDWR, 0));
    // Root reads and writes anything, but executes only what someone may.
    MUST(vfs::chmod(as_root(), root(), "/private", 0, 0));
    MUST(vfs::open(as_root(), root(), "/private", O_RDWR, 0));
    EXPECT_ERRNO(vfs::access(as_root(), root(), "/private", X_OK, 0), EACCES);
    MUST(vfs::chmod(as_root(), root(), "/private", 0001, 0));
    MUST(vfs::access(as_root(), root(), "/private", X_OK, 0));
    // A file created read-only can still be written through the descriptor
    // that created it.
    MUST(make_directory("/home", 0777));
    auto created = MUST(vfs::open(user, root(), "/home/mine", O_CREAT | O_RDWR, 0444));
    EXPECT_EQ(MUST(write_to(*created, "ok")), 2u);
    EXPECT_ERRNO(vfs::open(user, root(), "/home/mine", O_WRONLY, 0), EACCES);
    EXPECT_EQ(MUST(stat("/home/mine")).uid, 1000u);
    EXPECT_EQ(MUST(stat("/home/mine")).gid, 1000u);
}

TEST_F(VfsOpsTest, creating_and_removing_need_write_on_the_directory)
{
    MUST(make_directory("/ro_dir", 0755));
    MUST(write_file("/ro_dir/f", ""));
    vfs::Context user = user_context();
    EXPECT_ERRNO(vfs::open(user, root(), "/ro_dir/new", O_CREAT | O_WRONLY, 0644), EACCES);
    EXPECT_ERRNO(vfs::mkdir(user, root(), "/ro_dir/new", 0755), EACCES);
    EXPECT_ERRNO(vfs::unlink(user, root(), "/ro_dir/f"), EACCES);
    EXPECT_ERRNO(vfs::symlink(user, "x", root(), "/ro_dir/l"), EACCES);
    EXPECT_ERRNO(vfs::rename(user, root(), "/ro_dir/f", root(), "/ro_dir/g", 0), EACCES);
    EXPECT_ERRNO(vfs::link(user, root(), "/ro_dir/f", root(), "/ro_dir/g", 0), EACCES);
    // An existing name is EEXIST before it is EACCES.
    EXPECT_ERRNO(vfs::mkdir(user, root(), "/ro_dir/f", 0755), EEXIST);
}

TEST_F(VfsOpsTest, sticky_directories_protect_other_users_files)
{
    MUST(make_directory("/tmp", 01777));
    Credentials alice = Credentials::user(1001, 1001);
    Credentials bob = Credentials::user(1002, 1002);
    MUST(vfs::open(context(alice), root(), "/tmp/alice", O_CREAT | O_WRONLY, 0666));
    MUST(vfs::mkdir(context(alice), root(), "/tmp/alicedir", 0777));
    EXPECT_ERRNO(vfs::unlink(context(bob), root(), "/tmp/alice"), EPERM);
    EXPECT_ERRNO(vfs::rmdir(context(bob), root(), "/tmp/alicedir"), EPERM);
    EXPECT_ERRNO(vfs::rename(context(bob), root(), "/tmp/alice", root(), "/tmp/bobs", 0), EPERM);
    MUST(vfs::open(context(bob), root(), "/tmp/bob", O_CREAT | O_WRONLY, 0666));
    EXPECT_ERRNO(vfs::rename(context(bob), root(), "/tmp/bob", root(), "/tmp/alice", 0), EPERM);
    MUST(vfs::unlink(context(alice), root(), "/tmp/alice"));
    MUST(vfs::unlink(as_root(), root(), "/tmp/bob"));
}

TEST_F(VfsOpsTest, chmod_and_chown_rules)
{
    MUST(make_directory("/home", 0777));
    vfs::Context user = user_context();
    MUST(vfs::open(user, root(), "/home/mine", O_CREAT | O_WRONLY, 0644));
    MUST(write_file("/theirs", ""));
    MUST(vfs::chmod(user, root(), "/home/mine", 0600, 0));
    EXPECT_EQ(MUST(stat("/home/mine")).mode, static_cast<u32>(S_IFREG | 0600));
    EXPECT_ERRNO(vfs::chmod(user, root(), "/theirs", 0777, 0), EPERM);
    // Setting set-group-id on a file of a group one is not in drops it.
    MUST(vfs::chown(as_root(), root(), "/home/mine", ~0u, 50, 0));
    MUST(vfs::chmod(user, root(), "/home/mine", 02755, 0));
    EXPECT_EQ(MUST(stat("/home/mine")).mode & 07777, 0755u);
    // Only root gives a file away; the owner may pick one of its groups.
    EXPECT_ERRNO(vfs::chown(user, root(), "/home/mine", 0, ~0u, 0), EPERM);
    EXPECT_ERRNO(vfs::chown(user, root(), "/home/mine", ~0u, 77, 0), EPERM);
    MUST(vfs::chown(user, root(), "/home/mine", 1000, 1000, 0));
    EXPECT_ERRNO(vfs::chown(user, root(), "/theirs", ~0u, 1000, 0), EPERM);
    MUST(vfs::chown(as_root(), root(), "/theirs", 5, 6, 0));
    EXPECT_EQ(MUST(stat("/theirs")).uid, 5u);
    EXPECT_EQ(MUST(stat("/theirs")).gid, 6u);
    // chown clears set-user-id and group-executable set-group-id.
    MUST(vfs::chmod(as_root(), root(), "/theirs", 06755, 0));
    MUST(vfs::chown(as_root(), root(), "/theirs", 7, ~0u, 0));
    EXPECT_EQ(MUST(stat("/theirs")).mode & 07777, 0755u);
    // chmod of a symlink itself is not supported; lchown is.
    MUST(vfs::symlink(as_root(), "theirs", root(), "/l"));
    EXPECT_ERRNO(vfs::chmod(as_root(), root(), "/l", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP);
    MUST(vfs::chown(as_root(), root(), "/l", 9, 9, AT_SYMLINK_NOFOLLOW));
    EXPECT_EQ(MUST(stat("/l", AT_SYMLINK_NOFOLLOW)).uid, 9u);
    EXPECT_EQ(MUST(stat("/l")).uid, 7u);
    EXPECT_ERRNO(vfs::chmod(as_root(), root(), "/l", 0600, 0x4), EINVAL);
}

TEST_F(VfsOpsTest, writing_strips_setuid_for_ordinary_users)
{
    MUST(make_directory("/home", 0777));
    vfs::Context user = user_context();
    auto file = MUST(vfs::open(user, root(), "/home/prog", O_CREAT | O_RDWR, 0755));
    MUST(vfs::chmod(user, root(), "/home/prog", 06755, 0));
    EXPECT_EQ(MUST(stat("/home/prog")).mode & 07777, 06755u);
    MUST(write_to(*file, "x"));
    EXPECT_EQ(MUST(stat("/home/prog")).mode & 07777, 0755u);
    // The superuser's writes keep them.
    MUST(vfs::chmod(as_root(), root(), "/home/prog", 06755, 0));
    auto as_root_file = MUST(vfs::open(as_root(), root(), "/home/prog", O_WRONLY, 0));
    MUST(write_to(*as_root_file, "y"));
    EXPECT_EQ(MUST(stat("/home/prog")).mode & 07777, 06755u);
}

TEST_F(VfsOpsTest, setgid_directories_pass_their_group_on)
{
    // mkdir ignores a set-group-id bit in its mode; chmod sets it.
    MUST(make_directory("/shared", 02777));
    EXPECT_EQ(MUST(stat("/shared")).mode & 07777, 0777u);
    MUST(vfs::chown(as_root(), root(), "/shared", 0, 300, 0));
    MUST(vfs::chmod(as_root(), root(), "/shared", 02777, 0));
    vfs::Context user = user_context();
    MUST(vfs::open(user, root(), "/shared/f", O_CREAT | O_WRONLY, 0644));
    MUST(vfs::mkdir(user, root(), "/shared/d", 0755));
    EXPECT_EQ(MUST(stat("/shared/f")).gid, 300u);
    EXPECT_EQ(MUST(stat("/shared/d")).gid, 300u);
    EXPECT_EQ(MUST(stat("/shared/d")).mode & 07777, 02755u);
}

TEST_F(VfsOpsTest, access_uses_the_real_ids_unless_eaccess)
{
    MUST(write_file("/f", "", 0600));
    MUST(vfs::chown(as_root(), root(), "/f", 1000, 1000, 0));
    MUST(vfs::access(as_root(), root(), "/f", F_OK, 0));
    Credentials setuid_program = Credentials::user(2000, 2000);
    setuid_program.euid = 1000; // running a set-user-id program of user 1000
    setuid_program.sync_fs_ids();
    vfs::Context program = context(setuid_program);
    EXPECT_ERRNO(vfs::access(program, root(), "/f", R_OK, 0), EACCES);
    MUST(vfs::access(program, root(), "/f", R_OK | W_OK, AT_EACCESS));
    EXPECT_ERRNO(vfs::access(program, root(), "/f", 8, 0), EINVAL);
    EXPECT_ERRNO(vfs::access(program, root(), "/f", R_OK, 0x1), EINVAL);
    EXPECT_ERRNO(vfs::access(program, root(), "/none", F_OK, 0), ENOENT);
}

TEST_F(VfsOpsTest, utimens_sets_times_with_linux_permissions)
{
    MUST(make_directory("/home", 0777));
    vfs::Context user = user_context();
    MUST(vfs::open(user, root(), "/home/mine", O_CREAT | O_WRONLY, 0666));
    MUST(vfs::chmod(user, root(), "/home/mine", 0666, 0));
    vfs::TimeSpec times[2] = { { 1000, 5 }, { 2000, 6 } };
    MUST(vfs::utimens(user, root(), "/home/mine", times, 0));
    LinuxStat st = MUST(stat("/home/mine"));
    EXPECT_EQ(st.atime_sec, 1000u);
    EXPECT_EQ(st.atime_nsec, 5u);
    EXPECT_EQ(st.mtime_sec, 2000u);
    EXPECT_EQ(st.mtime_nsec, 6u);
    EXPECT_EQ(static_cast<i64>(st.ctime_sec), fs_test::s_now_ns / 1'000'000'000);
    // UTIME_OMIT keeps one; UTIME_NOW takes the clock.
    vfs::TimeSpec partial[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
    MUST(vfs::utimens(user, root(), "/home/mine", partial, 0));
    st = MUST(stat("/home/mine"));
    EXPECT_EQ(st.atime_sec, 1000u);
    EXPECT_EQ(static_cast<i64>(st.mtime_sec), fs_test::s_now_ns / 1'000'000'000);
    // Before 1970 works too.
    vfs::TimeSpec old[2] = { { -10, 250 }, { 0, UTIME_OMIT } };
    MUST(vfs::utimens(user, root(), "/home/mine", old, 0));
    EXPECT_EQ(static_cast<i64>(MUST(stat("/home/mine")).atime_sec), -10);
    vfs::TimeSpec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
    EXPECT_ERRNO(vfs::utimens(user, root(), "/home/mine", bad, 0), EINVAL);
    // Someone else's writable file: "now" is allowed, explicit times are not.
    Credentials other = Credentials::user(2000, 2000);
    MUST(vfs::utimens(context(other), root(), "/home/mine", nullptr, 0));
    EXPECT_ERRNO(vfs::utimens(context(other), root(), "/home/mine", times, 0), EPERM);
    MUST(vfs::chmod(as_root(), root(), "/home/mine", 0644, 0));
    EXPECT_ERRNO(vfs::utimens(context(other), root(), "/home/mine", nullptr, 0), EACCES);
}

TEST_F(VfsOpsTest, truncate_errors)
{
    MUST(make_directory("/d"));
    MUST(write_file("/f", "abc", 0644));
    EXPECT_ERRNO(vfs::truncate(as_root(), root(), "/d", 0), EISDIR);
    EXPECT_ERRNO(vfs::truncate(as_root(), root(), "/none", 0), ENOENT);
    EXPECT_ERRNO(vfs::truncate(user_context(), root(), "/f", 0), EACCES);
    MUST(vfs::mknod(as_root(), root(), "/fifo", S_IFIFO | 0666, 0));
    EXPECT_ERRNO(vfs::truncate(as_root(), root(), "/fifo", 0), EINVAL);
}

// ------------------------------------------------------------------ stat

TEST_F(VfsOpsTest, stat_statx_and_statfs_fields)
{
    MUST(write_file("/f", "12345"));
    MUST(vfs::chown(as_root(), root(), "/f", 12, 34, 0));
    LinuxStat st = MUST(stat("/f"));
    vfs::Location f = MUST(lookup("/f"));
    EXPECT_EQ(st.dev, f.inode->fs().device());
    EXPECT_EQ(st.ino, f.inode->ino());
    EXPECT_EQ(st.nlink, 1u);
    EXPECT_EQ(st.uid, 12u);
    EXPECT_EQ(st.gid, 34u);
    EXPECT_EQ(st.size, 5);
    EXPECT_EQ(st.blksize, 4096);
    EXPECT_EQ(st.blocks, 8);

    LinuxStatx stx = MUST(vfs::statx(as_root(), root(), "/f", 0, STATX_BASIC_STATS));
    EXPECT_EQ(stx.stx_mask & STATX_BASIC_STATS, STATX_BASIC_STATS);
    EXPECT_EQ(stx.stx_mode, st.mode);
    EXPECT_EQ(stx.stx_ino, st.ino);
    EXPECT_EQ(stx.stx_size, 5u);
    EXPECT_EQ(stx.stx_uid, 12u);
    EXPECT_EQ(stx.stx_dev_major, 0u);
    EXPECT_EQ(stx.stx_dev_minor, vfs::device_minor(st.dev));
    EXPECT_EQ(stx.stx_mtime.sec, static_cast<i64>(st.mtime_sec));
    EXPECT_EQ(stx.stx_mnt_id, root().mount->id());
    EXPECT_ERRNO(vfs::statx(as_root(), root(), "/f", AT_STATX_SYNC_TYPE, STATX_BASIC_STATS), EINVAL);
    EXPECT_ERRNO(vfs::statx(as_root(), root(), "/f", 0, STATX__RESERVED), EINVAL);
    EXPECT_ERRNO(vfs::stat(as_root(), root(), "/f", 0x2), EINVAL);

    LinuxStatfs fs = MUST(vfs::statfs(as_root(), root(), "/f"));
    EXPECT_EQ(fs.type, static_cast<i64>(vfs::kTmpfsMagic));
    EXPECT_EQ(fs.bsize, 4096);
    EXPECT_EQ(fs.namelen, 255);
    EXPECT_EQ(fs.flags & vfs::kStatfsValid, vfs::kStatfsValid);
}

// ------------------------------------------------------------------ cwd, root

TEST_F(VfsOpsTest, chdir_chroot_and_getcwd)
{
    MUST(make_directory("/home"));
    MUST(make_directory("/home/user"));
    MUST(write_file("/home/file", ""));
    auto process = MUST(vfs::FsContext::create(root(), root()));
    MUST(vfs::chdir(*process, as_root(), process->cwd(), "home/user"));
    char path[64];
    EXPECT_EQ(MUST(vfs::getcwd(as_root(), process->cwd(), path, sizeof(path))), 11u);
    EXPECT_STREQ(path, "/home/user");
    EXPECT_ERRNO(vfs::getcwd(as_root(), process->cwd(), path, 10), ERANGE);
    EXPECT_ERRNO(vfs::chdir(*process, as_root(), process->cwd(), "/home/file"), ENOTDIR);
    EXPECT_ERRNO(vfs::chdir(*process, as_root(), process->cwd(), "/nowhere"), ENOENT);
    MUST(make_directory("/closed", 0700));
    EXPECT_ERRNO(vfs::chdir(*process, user_context(), process->cwd(), "/closed"), EACCES);
    MUST(vfs::getcwd(as_root(), root(), path, sizeof(path)));
    EXPECT_STREQ(path, "/");

    // Inside a mount, the path crosses back out.
    MUST(vfs::mount(as_root(), root(), "none", "/home/user", "tmpfs", 0, ""));
    MUST(make_directory("/home/user/deep"));
    vfs::Location deep = MUST(lookup("/home/user/deep"));
    MUST(vfs::getcwd(as_root(), deep, path, sizeof(path)));
    EXPECT_STREQ(path, "/home/user/deep");

    // Under a chroot, paths start at the new root.
    vfs::Location home = MUST(lookup("/home"));
    vfs::Context jailed { mounts, home, m_superuser, 0 };
    MUST(vfs::getcwd(jailed, deep, path, sizeof(path)));
    EXPECT_STREQ(path, "/user/deep");
    MUST(vfs::chroot(*process, as_root(), root(), "/home"));
    EXPECT_TRUE(process->root() == home);
    EXPECT_ERRNO(vfs::chroot(*process, user_context(), root(), "/home"), EPERM);

    // A removed working directory has no path.
    MUST(make_directory("/gone"));
    vfs::Location gone = MUST(lookup("/gone"));
    MUST(vfs::rmdir(as_root(), root(), "/gone"));
    EXPECT_ERRNO(vfs::getcwd(as_root(), gone, path, sizeof(path)), ENOENT);

    // fchdir through an open directory.
    auto directory = MUST(vfs::open(as_root(), root(), "/home", O_RDONLY | O_DIRECTORY, 0));
    MUST(vfs::fchdir(*process, as_root(), *directory));
    EXPECT_TRUE(process->cwd() == home);
    auto file = MUST(vfs::open(as_root(), root(), "/home/file", O_RDONLY, 0));
    EXPECT_ERRNO(vfs::fchdir(*process, as_root(), *file), ENOTDIR);
    MUST(vfs::umount(as_root(), root(), "/home/user", MNT_DETACH));
}

TEST_F(VfsOpsTest, fs_context_is_shared_or_cloned)
{
    auto process = MUST(vfs::FsContext::create(root(), root()));
    EXPECT_EQ(process->umask(), 022u);
    EXPECT_EQ(process->set_umask(0777077), 022u);
    EXPECT_EQ(process->umask(), 077u);
    auto child = MUST(process->clone());
    MUST(make_directory("/d"));
    MUST(vfs::chdir(*process, as_root(), root(), "/d"));
    EXPECT_TRUE(child->cwd() == root());
    EXPECT_EQ(child->umask(), 077u);
}

}
