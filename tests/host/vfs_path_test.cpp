// Path resolution (kernel/fs/vfs/namei.cpp) against Linux's rules:
// absolute and relative paths, ".", "..", ".." at the root, under a chroot
// and across mounts, mount crossing, symlinks (relative, absolute, chains,
// loops, the limit of 40), trailing slashes, ENAMETOOLONG, the empty path,
// ENOTDIR in the middle, search permission, and the parent-and-name
// resolution create and remove calls use.
#include "fs_test_fixture.h"

using fs_test::FsTest;

namespace {

class VfsPathTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        MUST(make_directory("/a"));
        MUST(make_directory("/a/b"));
        MUST(make_directory("/a/b/c"));
        MUST(write_file("/a/b/file", "data"));
        MUST(write_file("/top", "top"));
    }

    u64 ino(std::string const& path) { return stat(path).value().ino; }
    u64 ino_of(ErrorOr<vfs::Location> const& location) { return location.value().inode->ino(); }
};

TEST_F(VfsPathTest, absolute_and_relative_paths)
{
    vfs::Location b = MUST(lookup("/a/b"));
    EXPECT_EQ(b.inode->ino(), ino("/a/b"));
    vfs::Location from_b = MUST(vfs::resolve(as_root(), b, "c"));
    EXPECT_EQ(from_b.inode->ino(), ino("/a/b/c"));
    // An absolute path ignores the base.
    EXPECT_EQ(ino_of(vfs::resolve(as_root(), b, "/top")), ino("/top"));
    EXPECT_EQ(ino_of(vfs::resolve(as_root(), b, "file")), ino("/a/b/file"));
    EXPECT_EQ(ino_of(vfs::resolve(as_root(), root(), "a//b///c")), ino("/a/b/c"));
}

TEST_F(VfsPathTest, dot_and_dotdot)
{
    EXPECT_EQ(ino_of(lookup("/a/./b/.")), ino("/a/b"));
    EXPECT_EQ(ino_of(lookup("/a/b/c/..")), ino("/a/b"));
    EXPECT_EQ(ino_of(lookup("/a/b/c/../../b/c")), ino("/a/b/c"));
    vfs::Location c = MUST(lookup("/a/b/c"));
    EXPECT_EQ(ino_of(vfs::resolve(as_root(), c, "../..")), ino("/a"));
    EXPECT_EQ(ino_of(vfs::resolve(as_root(), c, ".")), ino("/a/b/c"));
}

TEST_F(VfsPathTest, dotdot_at_the_root_stays_there)
{
    EXPECT_EQ(ino_of(lookup("/..")), ino("/"));
    EXPECT_EQ(ino_of(lookup("/../../..")), ino("/"));
    EXPECT_EQ(ino_of(lookup("/../a/../..")), ino("/"));
    EXPECT_TRUE(MUST(lookup("/..")) == root());
}

TEST_F(VfsPathTest, dotdot_cannot_leave_a_chroot)
{
    vfs::Location jail = MUST(lookup("/a/b"));
    vfs::Context jailed { mounts, jail, m_superuser, 0 };
    vfs::Location c = MUST(lookup("/a/b/c"));
    EXPECT_TRUE(MUST(vfs::resolve(jailed, c, "../../../..")) == jail);
    EXPECT_EQ(ino_of(vfs::resolve(jailed, c, "/file")), ino("/a/b/file"));
    EXPECT_ERRNO(vfs::resolve(jailed, c, "/top"), ENOENT);
    // Absolute symlinks start at the process root too.
    MUST(vfs::symlink(as_root(), "/file", root(), "/a/b/c/abs"));
    EXPECT_EQ(ino_of(vfs::resolve(jailed, c, "abs")), ino("/a/b/file"));
}

TEST_F(VfsPathTest, mounts_are_crossed_both_ways)
{
    RefPtr<vfs::Inode> other = MUST(tmpfs::TmpFs::create({}));
    MUST(other->mkdir("inner", S_IFDIR | 0755, { 0, 0 }));
    vfs::Location at = MUST(lookup("/a/b/c"));
    vfs::Location mounted = MUST(mounts.mount(other, at, "other", 0));
    EXPECT_TRUE(mounted.is_mount_root());

    vfs::Location inner = MUST(lookup("/a/b/c/inner"));
    EXPECT_EQ(inner.inode->fs().device(), other->fs().device());
    EXPECT_EQ(inner.mount.ptr(), mounted.mount.ptr());
    // The mount root hides the directory beneath it...
    EXPECT_EQ(ino_of(lookup("/a/b/c")), other->ino());
    // ... and ".." from it goes to the parent of the covered directory.
    EXPECT_EQ(ino_of(vfs::resolve(as_root(), inner, "../..")), ino("/a/b"));
    EXPECT_TRUE(MUST(vfs::resolve(as_root(), inner, "../..")).mount == root().mount);
    EXPECT_EQ(ino_of(vfs::resolve(as_root(), mounted, "..")), ino("/a/b"));

    // A mount over the mount root stacks on top.
    RefPtr<vfs::Inode> third = MUST(tmpfs::TmpFs::create({}));
    vfs::Location top = MUST(mounts.mount(third, mounted, "third", 0));
    EXPECT_EQ(ino_of(lookup("/a/b/c")), third->ino());
    EXPECT_EQ(lookup("/a/b/c").value().inode->fs().device(), third->fs().device());
    EXPECT_ERRNO(lookup("/a/b/c/inner"), ENOENT);
    EXPECT_EQ(ino_of(vfs::resolve(as_root(), top, "..")), ino("/a/b"));
}

TEST_F(VfsPathTest, symlinks_relative_absolute_and_chained)
{
    MUST(vfs::symlink(as_root(), "b/file", root(), "/a/rel"));
    MUST(vfs::symlink(as_root(), "/a/b", root(), "/abs"));
    MUST(vfs::symlink(as_root(), "abs", root(), "/chain"));
    MUST(vfs::symlink(as_root(), "../top", root(), "/a/up"));
    EXPECT_EQ(ino_of(lookup("/a/rel")), ino("/a/b/file"));
    EXPECT_EQ(ino_of(lookup("/abs/c")), ino("/a/b/c"));
    EXPECT_EQ(ino_of(lookup("/chain/file")), ino("/a/b/file"));
    EXPECT_EQ(ino_of(lookup("/a/up")), ino("/top"));
    EXPECT_EQ(ino_of(lookup("/chain/../b")), ino("/a/b")); // ".." of the link's target, not of /
    // Not following the last component gives the link itself.
    vfs::Location link = MUST(lookup("/chain", vfs::kResolveNoFollow));
    EXPECT_TRUE(link.inode->is_symlink());
    // A link in the middle is always followed.
    EXPECT_EQ(ino_of(lookup("/chain/file", vfs::kResolveNoFollow)), ino("/a/b/file"));
    MUST(vfs::symlink(as_root(), "nowhere", root(), "/dangling"));
    EXPECT_ERRNO(lookup("/dangling"), ENOENT);
    EXPECT_TRUE(MUST(lookup("/dangling", vfs::kResolveNoFollow)).inode->is_symlink());
}

TEST_F(VfsPathTest, symlink_loops_and_the_limit_of_forty)
{
    MUST(vfs::symlink(as_root(), "loop2", root(), "/loop1"));
    MUST(vfs::symlink(as_root(), "loop1", root(), "/loop2"));
    MUST(vfs::symlink(as_root(), "self", root(), "/self"));
    EXPECT_ERRNO(lookup("/loop1"), ELOOP);
    EXPECT_ERRNO(lookup("/self/x"), ELOOP);
    // A chain of exactly 40 links resolves; 41 is one too many.
    MUST(vfs::symlink(as_root(), "/top", root(), "/l0"));
    for (int i = 1; i <= 40; ++i)
        MUST(vfs::symlink(as_root(), ("/l" + std::to_string(i - 1)).c_str(), root(), ("/l" + std::to_string(i)).c_str()));
    EXPECT_EQ(ino_of(lookup("/l39")), ino("/top"));
    EXPECT_ERRNO(lookup("/l40"), ELOOP);
    // The count is per lookup, over all links met.
    MUST(vfs::symlink(as_root(), "/l20", root(), "/m"));
    EXPECT_ERRNO(lookup("/l20/../m"), ENOTDIR); // l20 ends at a file
    EXPECT_EQ(ino_of(lookup("/m")), ino("/top"));
}

TEST_F(VfsPathTest, trailing_slashes)
{
    EXPECT_EQ(ino_of(lookup("/a/b/")), ino("/a/b"));
    EXPECT_EQ(ino_of(lookup("/a/b///")), ino("/a/b"));
    EXPECT_ERRNO(lookup("/top/"), ENOTDIR);
    EXPECT_ERRNO(lookup("/a/b/file/"), ENOTDIR);
    // A trailing slash follows a final symlink even when told not to.
    MUST(vfs::symlink(as_root(), "a/b", root(), "/dirlink"));
    MUST(vfs::symlink(as_root(), "top", root(), "/filelink"));
    EXPECT_TRUE(MUST(lookup("/dirlink/", vfs::kResolveNoFollow)).inode->is_directory());
    EXPECT_ERRNO(lookup("/filelink/", vfs::kResolveNoFollow), ENOTDIR);
    // ... and a link whose target ends in a slash wants a directory.
    MUST(vfs::symlink(as_root(), "top/", root(), "/slashlink"));
    EXPECT_ERRNO(lookup("/slashlink"), ENOTDIR);
    // mkdir "x/" is fine; creating a file as "y/" is not.
    MUST(vfs::mkdir(as_root(), root(), "/x/", 0755));
    EXPECT_TRUE(MUST(lookup("/x")).inode->is_directory());
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/y/", O_CREAT | O_WRONLY, 0644), EISDIR);
    EXPECT_ERRNO(vfs::mknod(as_root(), root(), "/y/", S_IFIFO | 0644, 0), ENOENT);
    EXPECT_ERRNO(vfs::unlink(as_root(), root(), "/top/"), ENOTDIR);
    MUST(vfs::rmdir(as_root(), root(), "/x/"));
}

TEST_F(VfsPathTest, name_and_path_length_limits)
{
    std::string longest_name(255, 'n');
    std::string too_long_name(256, 'n');
    MUST(write_file("/" + longest_name, ""));
    MUST(lookup("/" + longest_name));
    EXPECT_ERRNO(lookup("/" + too_long_name), ENAMETOOLONG);
    EXPECT_ERRNO(write_file("/" + too_long_name, ""), ENAMETOOLONG);
    EXPECT_ERRNO(make_directory("/a/" + too_long_name), ENAMETOOLONG);
    EXPECT_ERRNO(vfs::symlink(as_root(), "x", root(), ("/" + too_long_name).c_str()), ENAMETOOLONG);

    // 4095 bytes is the longest path; 4096 is ENAMETOOLONG.
    std::string path = "/a";
    while (path.size() < 4093)
        path += "/.";
    path.resize(4095, '/');
    EXPECT_EQ(path.size(), 4095u);
    EXPECT_EQ(ino_of(lookup(path)), ino("/a"));
    EXPECT_ERRNO(lookup(path + "/"), ENAMETOOLONG);
    EXPECT_ERRNO(vfs::symlink(as_root(), std::string(4096, 'x').c_str(), root(), "/big"), ENAMETOOLONG);
}

TEST_F(VfsPathTest, empty_path_is_enoent_unless_asked)
{
    EXPECT_ERRNO(lookup(""), ENOENT);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "", O_RDONLY, 0), ENOENT);
    EXPECT_ERRNO(vfs::mkdir(as_root(), root(), "", 0755), ENOENT);
    vfs::Location b = MUST(lookup("/a/b"));
    EXPECT_TRUE(MUST(vfs::resolve(as_root(), b, "", vfs::kResolveEmptyPath)) == b);
    EXPECT_EQ(MUST(vfs::stat(as_root(), b, "", AT_EMPTY_PATH)).ino, ino("/a/b"));
}

TEST_F(VfsPathTest, a_file_in_the_middle_is_enotdir)
{
    EXPECT_ERRNO(lookup("/top/x"), ENOTDIR);
    EXPECT_ERRNO(lookup("/a/b/file/c/d"), ENOTDIR);
    EXPECT_ERRNO(lookup("/top/.."), ENOTDIR);
    EXPECT_ERRNO(vfs::mkdir(as_root(), root(), "/top/new", 0755), ENOTDIR);
    EXPECT_ERRNO(lookup("/missing/x"), ENOENT);
    EXPECT_ERRNO(lookup("/a/missing"), ENOENT);
}

TEST_F(VfsPathTest, directories_need_search_permission)
{
    MUST(make_directory("/locked", 0700));
    MUST(write_file("/locked/secret", "s", 0666));
    MUST(make_directory("/listable", 0744));
    MUST(write_file("/listable/f", "f", 0666));
    Credentials user = Credentials::user(1000, 1000);
    vfs::Context as_user = context(user);
    EXPECT_ERRNO(vfs::resolve(as_user, root(), "/locked/secret"), EACCES);
    EXPECT_ERRNO(vfs::resolve(as_user, root(), "/listable/f"), EACCES);
    // The directory itself can be named: only walking through it needs x.
    MUST(vfs::resolve(as_user, root(), "/locked"));
    EXPECT_ERRNO(vfs::open(as_user, root(), "/listable/new", O_CREAT | O_WRONLY, 0644), EACCES);
    // Group and other bits apply to group members and others.
    MUST(vfs::chown(as_root(), root(), "/locked", 0, 1000, 0));
    MUST(vfs::chmod(as_root(), root(), "/locked", 0710, 0));
    MUST(vfs::resolve(as_user, root(), "/locked/secret"));
    Credentials other = Credentials::user(2000, 2000);
    EXPECT_ERRNO(vfs::resolve(context(other), root(), "/locked/secret"), EACCES);
    // Supplementary groups count.
    other.groups[0] = 1000;
    other.group_count = 1;
    MUST(vfs::resolve(context(other), root(), "/locked/secret"));
    // The superuser searches everything.
    MUST(make_directory("/none", 0));
    MUST(write_file("/none/f", ""));
    MUST(lookup("/none/f"));
}

TEST_F(VfsPathTest, resolve_parent_names_the_last_component)
{
    vfs::ParentResolution where = MUST(vfs::resolve_parent(as_root(), root(), "/a/b/new"));
    EXPECT_EQ(where.parent.inode->ino(), ino("/a/b"));
    EXPECT_TRUE(where.name == "new");
    EXPECT_EQ(where.kind, vfs::LastComponent::Normal);
    EXPECT_FALSE(where.trailing_slash);
    EXPECT_TRUE(where.child.is_null());

    where = MUST(vfs::resolve_parent(as_root(), root(), "/a/b/file", vfs::kResolveLookupLast));
    EXPECT_EQ(where.child.inode->ino(), ino("/a/b/file"));
    where = MUST(vfs::resolve_parent(as_root(), root(), "a/b/c/", vfs::kResolveLookupLast));
    EXPECT_TRUE(where.trailing_slash);
    EXPECT_TRUE(where.name == "c");
    EXPECT_EQ(MUST(vfs::resolve_parent(as_root(), root(), "/")).kind, vfs::LastComponent::Root);
    EXPECT_EQ(MUST(vfs::resolve_parent(as_root(), root(), "/a/.")).kind, vfs::LastComponent::Dot);
    EXPECT_EQ(MUST(vfs::resolve_parent(as_root(), root(), "/a/..")).kind, vfs::LastComponent::DotDot);
    EXPECT_ERRNO(vfs::resolve_parent(as_root(), root(), "/missing/x"), ENOENT);
    EXPECT_ERRNO(vfs::resolve_parent(as_root(), root(), "/top/x"), ENOTDIR);

    // Following a dangling last symlink lands on the name it points at.
    MUST(vfs::symlink(as_root(), "/a/b/created", root(), "/dangle"));
    where = MUST(vfs::resolve_parent(as_root(), root(), "/dangle", vfs::kResolveLookupLast | vfs::kResolveFollowLast));
    EXPECT_EQ(where.parent.inode->ino(), ino("/a/b"));
    EXPECT_TRUE(where.name == "created");
    EXPECT_TRUE(where.child.is_null());
}

TEST_F(VfsPathTest, open_creat_through_a_dangling_symlink_creates_its_target)
{
    MUST(vfs::symlink(as_root(), "a/b/made", root(), "/dangle"));
    auto file = MUST(vfs::open(as_root(), root(), "/dangle", O_CREAT | O_WRONLY, 0644));
    EXPECT_EQ(file->inode()->ino(), ino("/a/b/made"));
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/dangle", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    EXPECT_ERRNO(vfs::open(as_root(), root(), "/dangle", O_CREAT | O_NOFOLLOW | O_WRONLY, 0644), ELOOP);
}

}
