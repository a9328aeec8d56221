// The terminal part of the Linux x86-64 user ABI: struct termios as the
// TCGETS/TCSETS ioctls pass it (not the C library's larger struct), struct
// termios2 (TCGETS2), struct winsize, the c_iflag/c_oflag/c_cflag/c_lflag
// bits, the c_cc indices and the terminal ioctl numbers
// (asm-generic/termbits.h, asm-generic/ioctls.h).
//
// As in fs/vfs/abi.h, the constants are macros with Linux's names: a host
// build takes them from the C library's <termios.h> and <sys/ioctl.h>
// (same values on x86-64 Linux), the kernel defines them here, and
// tests/host/tty_test.cpp compares the two lists (the kernel's is compiled
// into its own translation unit by tests/host/sources/tty.cmake). The
// structures have their own names (LinuxTermios...), because the C library
// has a struct termios of another layout.
// Host-buildable.
#pragma once

#include <lib/types.h>

#ifdef HANEUL_HOST
#include <sys/ioctl.h>
#include <termios.h>
#else
// c_iflag
#define IGNBRK 0000001
#define BRKINT 0000002
#define IGNPAR 0000004
#define PARMRK 0000010
#define INPCK 0000020
#define ISTRIP 0000040
#define INLCR 0000100
#define IGNCR 0000200
#define ICRNL 0000400
#define IUCLC 0001000
#define IXON 0002000
#define IXANY 0004000
#define IXOFF 0010000
#define IMAXBEL 0020000
#define IUTF8 0040000

// c_oflag
#define OPOST 0000001
#define OLCUC 0000002
#define ONLCR 0000004
#define OCRNL 0000010
#define ONOCR 0000020
#define ONLRET 0000040
#define OFILL 0000100
#define OFDEL 0000200
#define TABDLY 0014000
#define XTABS 0014000

// c_cflag
#define CBAUD 0010017
#define B9600 0000015
#define B38400 0000017
#define CSIZE 0000060
#define CS8 0000060
#define CSTOPB 0000100
#define CREAD 0000200
#define PARENB 0000400
#define PARODD 0001000
#define HUPCL 0002000
#define CLOCAL 0004000

// c_lflag
#define ISIG 0000001
#define ICANON 0000002
#define XCASE 0000004
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define TOSTOP 0000400
#define ECHOCTL 0001000
#define ECHOPRT 0002000
#define ECHOKE 0004000
#define FLUSHO 0010000
#define PENDIN 0040000
#define IEXTEN 0100000
#define EXTPROC 0200000

// c_cc indices
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSWTC 7
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VDISCARD 13
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16

// tcflush() queues and tcflow() actions
#define TCIFLUSH 0
#define TCOFLUSH 1
#define TCIOFLUSH 2
#define TCOOFF 0
#define TCOON 1
#define TCIOFF 2
#define TCION 3

// ioctl requests
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCXONC 0x540A
#define TCFLSH 0x540B
#define TIOCEXCL 0x540C
#define TIOCNXCL 0x540D
#define TIOCSCTTY 0x540E
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCOUTQ 0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define TIOCINQ FIONREAD
#define FIONBIO 0x5421
#define TIOCNOTTY 0x5422
#define TIOCSETD 0x5423
#define TIOCGETD 0x5424
#define TCSBRKP 0x5425
#define TIOCGSID 0x5429
#define TCGETS2 0x802C542A
#define TCSETS2 0x402C542B
#define TCSETSW2 0x402C542C
#define TCSETSF2 0x402C542D
#endif

// struct termios of the kernel ABI (asm-generic/termbits.h): 36 bytes.
struct LinuxTermios {
    u32 c_iflag;
    u32 c_oflag;
    u32 c_cflag;
    u32 c_lflag;
    u8 c_line;
    u8 c_cc[19];
};
static_assert(sizeof(LinuxTermios) == 36);

// struct termios2 (TCGETS2/TCSETS2): the same with the two speeds.
struct LinuxTermios2 {
    LinuxTermios termios;
    u32 c_ispeed;
    u32 c_ospeed;
};
static_assert(sizeof(LinuxTermios2) == 44);

struct LinuxWinsize {
    u16 ws_row;
    u16 ws_col;
    u16 ws_xpixel;
    u16 ws_ypixel;
};
static_assert(sizeof(LinuxWinsize) == 8);

namespace tty {

// Linux's tty_std_termios (drivers/tty/tty_io.c) with INIT_C_CC.
constexpr LinuxTermios default_termios()
{
    LinuxTermios t {};
    t.c_iflag = ICRNL | IXON;
    t.c_oflag = OPOST | ONLCR;
    t.c_cflag = B38400 | CS8 | CREAD | HUPCL;
    t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
    t.c_line = 0; // N_TTY
    t.c_cc[VINTR] = 0x03;    // ^C
    t.c_cc[VQUIT] = 0x1C;    // ^backslash
    t.c_cc[VERASE] = 0x7F;   // DEL
    t.c_cc[VKILL] = 0x15;    // ^U
    t.c_cc[VEOF] = 0x04;     // ^D
    t.c_cc[VTIME] = 0;
    t.c_cc[VMIN] = 1;
    t.c_cc[VSWTC] = 0;
    t.c_cc[VSTART] = 0x11;   // ^Q
    t.c_cc[VSTOP] = 0x13;    // ^S
    t.c_cc[VSUSP] = 0x1A;    // ^Z
    t.c_cc[VEOL] = 0;
    t.c_cc[VREPRINT] = 0x12; // ^R
    t.c_cc[VDISCARD] = 0x0F; // ^O
    t.c_cc[VWERASE] = 0x17;  // ^W
    t.c_cc[VLNEXT] = 0x16;   // ^V
    t.c_cc[VEOL2] = 0;
    return t;
}

// The speed B38400 stands for, for TCGETS2.
constexpr u32 kDefaultBaud = 38400;

// Signal numbers the terminal sends (x86-64 Linux's).
constexpr int kSigHup = 1;
constexpr int kSigInt = 2;
constexpr int kSigQuit = 3;
constexpr int kSigTstp = 20;
constexpr int kSigWinch = 28;

}
