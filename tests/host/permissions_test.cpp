// The security manager's pure rules (kernel/security/permissions.h,
// credentials.h): the file-system ids as the ones file decisions use, the
// root overrides, and the ids a set-user-ID or set-group-ID exec gives.
#include <fs/vfs/abi.h>
#include <gtest/gtest.h>
#include <lib/errno.h>
#include <security/permissions.h>

namespace {

security::FileOwnership file(u32 mode, u32 uid, u32 gid) { return { S_IFREG | mode, uid, gid }; }

bool allowed(Credentials const& who, security::FileOwnership const& what, u32 may)
{
    return !security::check_access(who, what, may).is_error();
}

}

TEST(Permissions, owner_group_other_classes_decide_alone)
{
    Credentials user = Credentials::user(1000, 1000);
    EXPECT_TRUE(allowed(user, file(0600, 1000, 0), security::kMayRead | security::kMayWrite));
    // The owner class is used even when "other" would grant more.
    EXPECT_FALSE(allowed(user, file(0044, 1000, 0), security::kMayRead));
    EXPECT_TRUE(allowed(user, file(0040, 0, 1000), security::kMayRead));
    EXPECT_FALSE(allowed(user, file(0604, 0, 1000), security::kMayRead));
    EXPECT_TRUE(allowed(user, file(0604, 0, 0), security::kMayRead));
    EXPECT_EQ(security::check_access(user, file(0600, 0, 0), security::kMayRead).error().code(), EACCES);
    user.groups[0] = 100;
    user.group_count = 1;
    EXPECT_TRUE(allowed(user, file(0060, 0, 100), security::kMayWrite));
}

TEST(Permissions, root_overrides_all_but_execute_without_any_x_bit)
{
    Credentials root = Credentials::root();
    EXPECT_TRUE(allowed(root, file(0000, 1000, 1000), security::kMayRead | security::kMayWrite));
    EXPECT_FALSE(allowed(root, file(0644, 1000, 1000), security::kMayExec));
    EXPECT_TRUE(allowed(root, file(0001, 1000, 1000), security::kMayExec));
    EXPECT_TRUE(allowed(root, { S_IFDIR | 0000, 1000, 1000 }, security::kMayExec));
}

TEST(Permissions, file_decisions_use_the_file_system_ids)
{
    Credentials root_as_user = Credentials::root();
    root_as_user.fsuid = 1000;
    root_as_user.fsgid = 1000;
    EXPECT_TRUE(root_as_user.is_superuser());
    EXPECT_FALSE(root_as_user.is_fs_superuser());
    EXPECT_FALSE(allowed(root_as_user, file(0600, 0, 0), security::kMayRead));
    EXPECT_TRUE(allowed(root_as_user, file(0600, 1000, 0), security::kMayRead));
    EXPECT_TRUE(allowed(root_as_user, file(0060, 0, 1000), security::kMayRead));
    EXPECT_EQ(security::check_chmod(root_as_user, file(0600, 0, 0), 0644).error().code(), EPERM);
    auto owner = security::owner_for_new_file(root_as_user, { S_IFDIR | 0777, 0, 0 }, S_IFREG | 0644);
    EXPECT_EQ(owner.uid, 1000u);
    EXPECT_EQ(owner.gid, 1000u);
    // Process powers stay with the effective uid.
    EXPECT_FALSE(security::check_admin(root_as_user).is_error());
    // access(2): the real ids.
    Credentials setuid_root = Credentials::user(1000, 1000);
    setuid_root.euid = 0;
    setuid_root.sync_fs_ids();
    EXPECT_TRUE(allowed(setuid_root, file(0600, 0, 0), security::kMayRead));
    EXPECT_FALSE(allowed(setuid_root.for_access_check(), file(0600, 0, 0), security::kMayRead));
}

TEST(Permissions, exec_of_set_id_programs)
{
    Credentials user = Credentials::user(1000, 1000);
    auto plain = security::credentials_for_exec(user, file(0755, 0, 0), false);
    EXPECT_EQ(plain.credentials.euid, 1000u);
    EXPECT_FALSE(plain.secure);

    auto setuid = security::credentials_for_exec(user, file(04755, 0, 0), false);
    EXPECT_EQ(setuid.credentials.uid, 1000u);
    EXPECT_EQ(setuid.credentials.euid, 0u);
    EXPECT_EQ(setuid.credentials.suid, 0u);
    EXPECT_EQ(setuid.credentials.fsuid, 0u);
    EXPECT_EQ(setuid.credentials.egid, 1000u);
    EXPECT_TRUE(setuid.secure);

    auto setgid = security::credentials_for_exec(user, file(02755, 0, 42), false);
    EXPECT_EQ(setgid.credentials.euid, 1000u);
    EXPECT_EQ(setgid.credentials.egid, 42u);
    EXPECT_EQ(setgid.credentials.sgid, 42u);
    EXPECT_EQ(setgid.credentials.fsgid, 42u);
    EXPECT_TRUE(setgid.secure);

    // Set-group-ID without group execute marks mandatory locking: no change.
    auto locking = security::credentials_for_exec(user, file(02705, 0, 42), false);
    EXPECT_EQ(locking.credentials.egid, 1000u);
    EXPECT_FALSE(locking.secure);

    // nosuid mounts ignore both bits.
    auto nosuid = security::credentials_for_exec(user, file(06755, 0, 0), true);
    EXPECT_EQ(nosuid.credentials.euid, 1000u);
    EXPECT_FALSE(nosuid.secure);

    // Root running a root-owned set-user-ID program gains nothing.
    EXPECT_FALSE(security::credentials_for_exec(Credentials::root(), file(04755, 0, 0), false).secure);

    // Exec makes the saved ids the effective ones: a process that had
    // dropped to 1000 with root saved loses the way back.
    Credentials dropped = Credentials::user(1000, 1000);
    dropped.suid = 0;
    auto after = security::credentials_for_exec(dropped, file(0755, 0, 0), false);
    EXPECT_EQ(after.credentials.suid, 1000u);
}

TEST(Permissions, writes_by_non_root_clear_set_id_bits)
{
    Credentials user = Credentials::user(1000, 1000);
    EXPECT_EQ(security::mode_after_write(user, S_IFREG | 06755), static_cast<u32>(S_IFREG | 0755));
    EXPECT_EQ(security::mode_after_write(user, S_IFREG | 02745), static_cast<u32>(S_IFREG | 02745));
    EXPECT_EQ(security::mode_after_write(Credentials::root(), S_IFREG | 06755), static_cast<u32>(S_IFREG | 06755));
}
