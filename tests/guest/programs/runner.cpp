// /tests/runner: runs every test program in /tests/bin (or those named on
// its command line), one at a time, relays their protocol lines to the
// console, and closes with "N passed, M failed" (", K skipped" added when a
// test said "[SKIP] name: why" before its "[OK] name": such a test is
// counted as skipped, not passed). A program that dies
// before reporting, or exits non-zero with fewer failures than its exit
// code says, counts as a failure named after it, so a crash can never look
// like a pass.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

int g_passed;
int g_failed;
int g_skipped;

void run_program(std::string const& path)
{
    int fds[2];
    if (pipe(fds) != 0) {
        printf("[KO] %s: pipe: %s\n", path.c_str(), strerror(errno));
        ++g_failed;
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        char* argv[] = { const_cast<char*>(path.c_str()), nullptr };
        execv(path.c_str(), argv);
        printf("exec %s: %s\n", path.c_str(), strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    FILE* in = fdopen(fds[0], "r");
    char line[1024];
    int ok = 0, ko = 0, started = 0, skipped = 0;
    bool skip_pending = false;
    while (in && fgets(line, sizeof(line), in)) {
        fputs(line, stdout);
        fflush(stdout);
        if (!strncmp(line, "[OK] ", 5)) {
            ++ok;
            if (skip_pending)
                ++skipped;
            skip_pending = false;
        } else if (!strncmp(line, "[SKIP] ", 7))
            skip_pending = true;
        else if (!strncmp(line, "[KO] ", 5))
            ++ko;
        else if (!strncmp(line, "[TEST] ", 7))
            ++started;
    }
    if (in)
        fclose(in);
    int status = 0;
    waitpid(pid, &status, 0);
    g_passed += ok - skipped;
    g_skipped += skipped;
    g_failed += ko;
    std::string name = path.substr(path.rfind('/') + 1);
    if (WIFSIGNALED(status)) {
        printf("[KO] %s: killed by signal %d after %d of its tests started\n", name.c_str(), WTERMSIG(status), started);
        ++g_failed;
    } else if (started != ok + ko) {
        printf("[KO] %s: %d test(s) started but never reported (exit status %d)\n", name.c_str(), started - ok - ko,
            WEXITSTATUS(status));
        ++g_failed;
    } else if (WEXITSTATUS(status) != 0 && ko == 0) {
        printf("[KO] %s: exited with status %d but reported no failure\n", name.c_str(), WEXITSTATUS(status));
        ++g_failed;
    }
}

}

int main(int argc, char** argv)
{
    setvbuf(stdout, nullptr, _IOLBF, 0);
    std::vector<std::string> programs;
    for (int i = 1; i < argc; ++i)
        programs.push_back(argv[i]);
    if (programs.empty()) {
        DIR* dir = opendir("/tests/bin");
        if (!dir) {
            printf("runner: cannot open /tests/bin: %s\n", strerror(errno));
            printf("0 passed, 1 failed\n");
            return 1;
        }
        while (dirent* entry = readdir(dir)) {
            if (entry->d_name[0] != '.')
                programs.push_back(std::string("/tests/bin/") + entry->d_name);
        }
        closedir(dir);
        std::sort(programs.begin(), programs.end());
    }
    for (auto const& program : programs)
        run_program(program);
    if (g_skipped)
        printf("%d passed, %d failed, %d skipped\n", g_passed, g_failed, g_skipped);
    else
        printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
