// /tests/bin/exec_test: execve and the ELF loader (issue 4, point 4): argv
// and envp passed intact, the auxiliary vector, AT_EXECFN, "#!" scripts,
// O_CLOEXEC honoured, pid kept across exec (also from a thread), the
// errors, and that the static-PIE and musl test programs run.
//
// The program re-executes itself in helper modes (the first argument that
// starts with "--": "--echo-args", "--auxv", "--fd-state", "--print-pid")
// whose output a test reads through a pipe. Only without arguments does it
// run the tests.
#include "guest_files.h"
#include "guest_test.h"

#include <climits>
#include <cstdint>
#include <elf.h>
#include <pthread.h>
#include <string>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <vector>

extern "C" void _start();
extern char** environ;

using guest_files::Scratch;
using guest_files::write_file;

namespace {

std::string g_self; // this program's absolute path

// The directory this program is in, with a trailing slash.
std::string self_directory() { return g_self.substr(0, g_self.rfind('/') + 1); }

// Writes all of `text` to stdout (fd 1).
void emit(std::string const& text)
{
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = write(1, text.data() + done, text.size() - done);
        if (n <= 0)
            _exit(120);
        done += n;
    }
}

// "argc=N\0arg0\0arg1\0...envc=M\0env0\0..."
std::string describe_vectors(std::vector<std::string> const& args, std::vector<std::string> const& envs)
{
    std::string text = "argc=" + std::to_string(args.size()) + '\0';
    for (auto const& arg : args)
        text += arg + '\0';
    text += "envc=" + std::to_string(envs.size()) + '\0';
    for (auto const& env : envs)
        text += env + '\0';
    return text;
}

// `argv[mode_index]` names the mode; for a "#!" script it is not argv[1].
int helper_mode(int argc, char** argv, int mode_index)
{
    std::string mode = argv[mode_index];
    if (mode == "--echo-args") {
        std::vector<std::string> args(argv, argv + argc), envs;
        for (char** env = environ; *env; ++env)
            envs.push_back(*env);
        emit(describe_vectors(args, envs));
        return 0;
    }
    if (mode == "--auxv") {
        auto execfn = reinterpret_cast<const char*>(getauxval(AT_EXECFN));
        emit(std::string(execfn ? execfn : "(none)"));
        return 0;
    }
    if (mode == "--fd-state") {
        std::string text;
        for (int i = mode_index + 1; i < argc; ++i) {
            int fd = atoi(argv[i]);
            errno = 0;
            bool open = fcntl(fd, F_GETFD) != -1;
            text += std::to_string(fd) + (open ? ":open " : (errno == EBADF ? ":closed " : ":error "));
        }
        emit(text);
        return 0;
    }
    if (mode == "--print-pid") {
        emit(std::to_string(getpid()) + " " + std::to_string(getppid()));
        return 0;
    }
    return 99;
}

// Runs `path` with `args` and `envs` in a child whose stdout is captured
// into `output`; returns the wait status.
int run_capture(std::string const& path, std::vector<std::string> const& args, std::vector<std::string> const& envs,
    std::string& output)
{
    std::vector<char*> argv, envp;
    for (auto const& arg : args)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    for (auto const& env : envs)
        envp.push_back(const_cast<char*>(env.c_str()));
    envp.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execve(path.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    close(fds[1]);
    output.clear();
    char buffer[4096];
    ssize_t n;
    while ((n = read(fds[0], buffer, sizeof(buffer))) > 0)
        output.append(buffer, n);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

}

TEST(argv_and_envp_passed_intact)
{
    std::vector<std::string> args { g_self, "--echo-args", "one", "", "with spaces", "tab\tand\nnewline", "\xc3\xbc\xc3\xaf",
        std::string(10000, 'L') };
    std::vector<std::string> envs { "A=1", "EMPTY=", "NO_EQUALS_SIGN", "PATH=/bin:/usr/bin", "LONG=" + std::string(5000, 'e') };
    std::string output;
    int status = run_capture(g_self, args, envs, output);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(output.size(), describe_vectors(args, envs).size());
    EXPECT(output == describe_vectors(args, envs));
}

TEST(thousands_of_arguments_and_an_empty_environment)
{
    std::vector<std::string> args { g_self, "--echo-args" };
    for (int i = 0; i < 3000; ++i)
        args.push_back("arg" + std::to_string(i));
    std::string output;
    int status = run_capture(g_self, args, {}, output);
    EXPECT_EXITED(status, 0);
    EXPECT(output == describe_vectors(args, {}));
}

TEST(argv0_is_whatever_the_caller_passed)
{
    std::vector<std::string> args { "not-the-path", "--echo-args" };
    std::string output;
    int status = run_capture(g_self, args, { "X=y" }, output);
    EXPECT_EXITED(status, 0);
    EXPECT(output == describe_vectors(args, { "X=y" }));
}

TEST(auxiliary_vector_of_this_process)
{
    EXPECT_EQ(getauxval(AT_PAGESZ), 4096);
    EXPECT_EQ(sysconf(_SC_PAGESIZE), 4096);
    auto random = reinterpret_cast<const unsigned char*>(getauxval(AT_RANDOM));
    EXPECT(random != nullptr);
    unsigned char zero[16] = {};
    EXPECT(memcmp(random, zero, 16) != 0);
    EXPECT(getauxval(AT_EXECFN) != 0);
    EXPECT_EQ(getauxval(AT_ENTRY), reinterpret_cast<uintptr_t>(&_start));
    EXPECT_EQ(getauxval(AT_PHENT), sizeof(Elf64_Phdr));
    EXPECT_GT(getauxval(AT_PHNUM), 0);
    EXPECT_EQ(getauxval(AT_UID), getuid());
    EXPECT_EQ(getauxval(AT_EUID), geteuid());
    EXPECT_EQ(getauxval(AT_GID), getgid());
    EXPECT_EQ(getauxval(AT_EGID), getegid());
    EXPECT_EQ(getauxval(AT_SECURE), 0);
    EXPECT_EQ(getauxval(AT_CLKTCK), 100);
    EXPECT_NE(getauxval(AT_HWCAP), 0);
    EXPECT_EQ(getauxval(AT_BASE), 0); // no interpreter
    // AT_PHDR points at this program's headers: one PT_LOAD holds main's code.
    auto phdrs = reinterpret_cast<const Elf64_Phdr*>(getauxval(AT_PHDR));
    EXPECT(phdrs != nullptr);
    auto code = reinterpret_cast<uintptr_t>(&run_capture);
    bool code_covered = false;
    size_t loads = 0;
    for (size_t i = 0; i < getauxval(AT_PHNUM); ++i) {
        if (phdrs[i].p_type != PT_LOAD)
            continue;
        ++loads;
        if (code >= phdrs[i].p_vaddr && code < phdrs[i].p_vaddr + phdrs[i].p_memsz && (phdrs[i].p_flags & PF_X))
            code_covered = true;
    }
    EXPECT_GT(loads, 0);
    EXPECT(code_covered);
}

TEST(at_execfn_is_the_path_given_to_execve)
{
    Scratch dir("exec");
    EXPECT(dir.ok());
    std::string link = dir / "via-link";
    EXPECT_OK(symlink(g_self.c_str(), link.c_str()));
    std::string output;
    int status = run_capture(link, { "argv0-differs", "--auxv" }, {}, output);
    EXPECT_EXITED(status, 0);
    EXPECT(output == link);
}

TEST(shebang_script_runs_its_interpreter)
{
    Scratch dir("exec");
    EXPECT(dir.ok());
    std::string script = dir / "script";
    EXPECT(write_file(script, "#!" + g_self + " --echo-args\nignored by the interpreter\n", 0755));
    std::string output;
    int status = run_capture(script, { "script-argv0", "first", "second" }, { "S=1" }, output);
    EXPECT_EXITED(status, 0);
    // The interpreter, its one argument, the script's path, then the
    // original arguments without argv[0].
    EXPECT(output == describe_vectors({ g_self, "--echo-args", script, "first", "second" }, { "S=1" }));
    // Blanks after "#!" and around the argument are skipped.
    EXPECT(write_file(script, "#! \t" + g_self + " \t--echo-args \t\n", 0755));
    status = run_capture(script, { "script-argv0" }, {}, output);
    EXPECT_EXITED(status, 0);
    EXPECT(output == describe_vectors({ g_self, "--echo-args", script }, {}));
    // Without an argument.
    std::string plain = dir / "plain";
    EXPECT(write_file(plain, "#!" + g_self + "\n", 0755));
    status = run_capture(plain, { "plain", "--echo-args" }, {}, output);
    EXPECT_EXITED(status, 0);
    EXPECT(output == describe_vectors({ g_self, plain, "--echo-args" }, {}));
}

TEST(shebang_nested_script)
{
    Scratch dir("exec");
    EXPECT(dir.ok());
    std::string inner = dir / "inner", outer = dir / "outer";
    EXPECT(write_file(inner, "#!" + g_self + " --echo-args\n", 0755));
    EXPECT(write_file(outer, "#!" + inner + "\n", 0755));
    std::string output;
    int status = run_capture(outer, { "outer", "x" }, {}, output);
    EXPECT_EXITED(status, 0);
    EXPECT(output == describe_vectors({ g_self, "--echo-args", inner, outer, "x" }, {}));
}

TEST(shebang_errors)
{
    Scratch dir("exec");
    EXPECT(dir.ok());
    std::string script = dir / "script";
    EXPECT(write_file(script, "#!/no/such/interpreter\n", 0755));
    char* argv[] = { const_cast<char*>("script"), nullptr };
    char* envp[] = { nullptr };
    EXPECT_ERRNO(execve(script.c_str(), argv, envp), ENOENT);
    // A script without an execute bit is not run.
    EXPECT(write_file(script, "#!" + g_self + " --echo-args\n", 0644));
    EXPECT_OK(chmod(script.c_str(), 0644));
    EXPECT_ERRNO(execve(script.c_str(), argv, envp), EACCES);
}

TEST(bin_sh_script_if_present)
{
    if (access("/bin/sh", X_OK) != 0)
        SKIP("no /bin/sh in this root");
    Scratch dir("exec");
    EXPECT(dir.ok());
    std::string script = dir / "hello.sh";
    EXPECT(write_file(script, "#!/bin/sh\necho \"from sh: $1 $GREETING\"\nexit 3\n", 0755));
    std::string output;
    int status = run_capture(script, { script, "arg" }, { "GREETING=hi" }, output);
    EXPECT_EXITED(status, 3);
    EXPECT(output == "from sh: arg hi\n");
}

TEST(cloexec_descriptors_are_closed_by_exec)
{
    int flagged = EXPECT_OK(open("/dev/null", O_RDONLY | O_CLOEXEC));
    int kept = EXPECT_OK(open("/dev/null", O_RDONLY));
    int set_later = EXPECT_OK(open("/dev/null", O_RDONLY));
    EXPECT_OK(fcntl(set_later, F_SETFD, FD_CLOEXEC));
    int duplicated = EXPECT_OK(fcntl(kept, F_DUPFD_CLOEXEC, 0));
    int fds[2];
    EXPECT_OK(pipe2(fds, O_CLOEXEC));
    int cleared = EXPECT_OK(open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_OK(fcntl(cleared, F_SETFD, 0));
    std::vector<int> all { flagged, kept, set_later, duplicated, fds[0], fds[1], cleared };
    std::vector<std::string> args { g_self, "--fd-state" };
    std::string expected;
    for (int fd : all) {
        args.push_back(std::to_string(fd));
        bool stays = fd == kept || fd == cleared;
        expected += std::to_string(fd) + (stays ? ":open " : ":closed ");
    }
    std::string output;
    int status = run_capture(g_self, args, {}, output);
    for (int fd : all)
        close(fd);
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(output.c_str(), expected.c_str());
}

TEST(exec_keeps_pid_and_parent)
{
    std::string output;
    int fds[2];
    EXPECT_OK(pipe(fds));
    fflush(stdout);
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        char* argv[] = { const_cast<char*>(g_self.c_str()), const_cast<char*>("--print-pid"), nullptr };
        execve(g_self.c_str(), argv, environ);
        _exit(127);
    }
    close(fds[1]);
    char buffer[64] = {};
    ssize_t n = read(fds[0], buffer, sizeof(buffer) - 1);
    close(fds[0]);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    EXPECT_GT(n, 0);
    std::string expected = std::to_string(pid) + " " + std::to_string(getpid());
    EXPECT_STREQ(buffer, expected.c_str());
}

namespace {

void* exec_from_thread(void*)
{
    char* argv[] = { const_cast<char*>(g_self.c_str()), const_cast<char*>("--print-pid"), nullptr };
    execve(g_self.c_str(), argv, environ);
    _exit(126);
}

}

// execve from a non-main thread: the other threads end, and the new
// program has the process's pid (the thread-group leader's), not the
// thread's id.
TEST(exec_from_a_thread_replaces_the_whole_process)
{
    int fds[2];
    EXPECT_OK(pipe(fds));
    fflush(stdout);
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        pthread_t thread;
        if (pthread_create(&thread, nullptr, exec_from_thread, nullptr) != 0)
            _exit(125);
        // Killed by the exec; bounded if it never comes.
        sleep(5);
        _exit(124);
    }
    close(fds[1]);
    char buffer[64] = {};
    ssize_t n = read(fds[0], buffer, sizeof(buffer) - 1);
    close(fds[0]);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    EXPECT_GT(n, 0);
    std::string expected = std::to_string(pid) + " " + std::to_string(getpid());
    EXPECT_STREQ(buffer, expected.c_str());
}

TEST(execve_errors_and_the_caller_lives)
{
    Scratch dir("exec");
    EXPECT(dir.ok());
    char* argv[] = { const_cast<char*>("x"), nullptr };
    char* envp[] = { nullptr };
    EXPECT_ERRNO(execve((dir / "missing").c_str(), argv, envp), ENOENT);
    EXPECT_ERRNO(execve(guest_test::bad_pointer<const char>(1), argv, envp), EFAULT);
    EXPECT_ERRNO(execve(g_self.c_str(), guest_test::bad_pointer<char* const>(1), envp), EFAULT);
    EXPECT_ERRNO(execve(g_self.c_str(), argv, guest_test::bad_pointer<char* const>(1)), EFAULT);
    char* bad_string[] = { guest_test::bad_pointer<char>(1), nullptr };
    EXPECT_ERRNO(execve(g_self.c_str(), bad_string, envp), EFAULT);
    EXPECT_ERRNO(execve(dir.c_str(), argv, envp), EACCES);
    EXPECT(write_file(dir / "file", "x", 0755));
    EXPECT_ERRNO(execve((dir / "file/x").c_str(), argv, envp), ENOTDIR);
    EXPECT(write_file(dir / "empty", "", 0755));
    EXPECT_ERRNO(execve((dir / "empty").c_str(), argv, envp), ENOEXEC);
    // One argument longer than 32 pages (MAX_ARG_STRLEN): E2BIG.
    std::string huge(256 * 1024, 'h');
    char* huge_argv[] = { const_cast<char*>("x"), const_cast<char*>(huge.c_str()), nullptr };
    EXPECT_ERRNO(execve(g_self.c_str(), huge_argv, envp), E2BIG);
    // Still here and working.
    std::string output;
    int status = run_capture(g_self, { g_self, "--print-pid" }, {}, output);
    EXPECT_EXITED(status, 0);
}

TEST(static_pie_program_runs)
{
    std::string pie = self_directory() + "static_pie_test";
    if (access(pie.c_str(), X_OK) != 0)
        SKIP("static_pie_test is not installed next to exec_test");
    std::string output;
    int status = run_capture(pie, { pie, "--probe" }, {}, output);
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(output.c_str(), "static-pie ok\n");
}

TEST(musl_program_runs)
{
    std::string musl = self_directory() + "basic_musl_test";
    if (access(musl.c_str(), X_OK) != 0)
        SKIP("basic_musl_test is not installed next to exec_test (no musl-gcc?)");
    std::string output;
    int status = run_capture(musl, { musl, "--probe" }, {}, output);
    EXPECT_EXITED(status, 0);
    EXPECT_STREQ(output.c_str(), "musl ok\n");
}

int main(int argc, char** argv)
{
    if (argc >= 2) {
        for (int i = 1; i < argc; ++i) {
            if (strncmp(argv[i], "--", 2) == 0)
                return helper_mode(argc, argv, i);
        }
        return 98;
    }
    char resolved[PATH_MAX];
    auto execfn = reinterpret_cast<const char*>(getauxval(AT_EXECFN));
    if (execfn && realpath(execfn, resolved))
        g_self = resolved;
    else if (realpath(argv[0], resolved))
        g_self = resolved;
    else
        g_self = argv[0];
    return guest_test::run_tests();
}
