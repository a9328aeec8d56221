// A non-interactive busybox session (issue 4 item 9): the commands a person
// types at the shell, run through `busybox sh -c` with their output
// checked. Runs the same on Linux (with Debian's busybox-static installed)
// and in Haneul, where busybox is the system's shell and utilities.
#include "guest_files.h"
#include "guest_test.h"

#include <string>
#include <sys/wait.h>

namespace {

const char* busybox()
{
    static const char* found = access("/bin/busybox", X_OK) == 0 ? "/bin/busybox" : nullptr;
    return found;
}

// Runs `script` with busybox sh in `directory`; returns its stdout and
// stderr, and its wait status in `status`.
std::string shell(std::string const& script, int& status, std::string const& directory = "/tmp")
{
    int fds[2];
    if (pipe(fds) != 0)
        return "<pipe failed>";
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        if (chdir(directory.c_str()) != 0)
            _exit(126);
        execl(busybox(), "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    std::string output;
    char buffer[4096];
    ssize_t got;
    while ((got = read(fds[0], buffer, sizeof(buffer))) > 0)
        output.append(buffer, static_cast<size_t>(got));
    close(fds[0]);
    waitpid(pid, &status, 0);
    return output;
}

bool contains(std::string const& text, std::string const& part) { return text.find(part) != std::string::npos; }

#define NEED_BUSYBOX()                          \
    do {                                        \
        if (!busybox())                         \
            SKIP("no /bin/busybox on this system"); \
    } while (0)

}

TEST(echo_redirect_and_cat)
{
    NEED_BUSYBOX();
    guest_files::Scratch dir("busybox");
    int status = 0;
    auto out = shell("echo hi > f && cat f && echo more >> f && cat f | wc -l", status, dir.path());
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(out.c_str(), "hi\n2\n");
}

TEST(pipelines_sort_head_grep)
{
    NEED_BUSYBOX();
    int status = 0;
    auto out = shell("printf 'pear\\napple\\nfig\\nbanana\\n' | sort | head -2", status);
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(out.c_str(), "apple\nbanana\n");
    out = shell("printf 'one\\ntwo\\nthree\\n' | grep -n t | sed 's/t/T/'", status);
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(out.c_str(), "2:Two\n3:Three\n");
}

TEST(ls_l_root_lists_directories)
{
    NEED_BUSYBOX();
    int status = 0;
    auto out = shell("ls -l /", status);
    EXPECT_EXITED(status, 0);
    EXPECT(contains(out, " bin") || contains(out, " usr"));
    EXPECT(contains(out, "tmp"));
    EXPECT(out[0] == 'd' || out[0] == 'l' || out.rfind("total", 0) == 0);
}

TEST(mkdir_cp_mv_ln_rm)
{
    NEED_BUSYBOX();
    guest_files::Scratch dir("busybox");
    int status = 0;
    auto out = shell("mkdir -p a/b && echo data > a/b/f && cp a/b/f g && mv g h && ln -s h link && cat link && "
                     "readlink link && rm -r a && ls",
        status, dir.path());
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(out.c_str(), "data\nh\nh\nlink\n");
}

TEST(background_job_and_wait)
{
    NEED_BUSYBOX();
    int status = 0;
    auto out = shell("sleep 1 & echo started; wait; echo done", status);
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(out.c_str(), "started\ndone\n");
}

TEST(nested_sh_c_and_exit_status)
{
    NEED_BUSYBOX();
    int status = 0;
    auto out = shell("sh -c 'exit 7'; echo $?", status);
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(out.c_str(), "7\n");
    shell("exit 3", status);
    EXPECT_EXITED(status, 3);
}

TEST(find_and_tar_round_trip)
{
    NEED_BUSYBOX();
    guest_files::Scratch dir("busybox");
    int status = 0;
    auto out = shell("mkdir -p src/sub && echo x > src/sub/file && echo y > src/top && find src -type f | sort && "
                     "tar cf pack.tar src && mkdir out && cd out && tar xf ../pack.tar && cat src/sub/file src/top",
        status, dir.path());
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(out.c_str(), "src/sub/file\nsrc/top\nx\ny\n");
}

TEST(sed_edits_a_file_in_place)
{
    NEED_BUSYBOX();
    guest_files::Scratch dir("busybox");
    int status = 0;
    auto out = shell("printf 'colour\\nflavour\\n' > t && sed -i 's/our/or/' t && cat t", status, dir.path());
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(out.c_str(), "color\nflavor\n");
}

TEST(ps_free_uptime_read_proc)
{
    NEED_BUSYBOX();
    int status = 0;
    auto out = shell("ps", status);
    EXPECT_EXITED(status, 0);
    EXPECT(contains(out, "PID"));
    EXPECT(contains(out, "ps"));
    out = shell("free", status);
    EXPECT_EXITED(status, 0);
    EXPECT(contains(out, "Mem:"));
    out = shell("uptime", status);
    EXPECT_EXITED(status, 0);
    EXPECT(contains(out, "load average"));
}

int main() { return guest_test::run_tests(); }
