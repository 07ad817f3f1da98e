/*
 * libuws-glibc-compat.so: the few glibc functions newer than glibc 2.31 that
 * the Linux builds of @btc-vision/uwebsockets.js 20.57.0 for Node 22/24/25
 * call, for hosts whose glibc lacks them (scripts/uws-glibc-compat.js).
 *
 * The rewritten .node file references these symbols without a version, and
 * the dynamic linker searches the process's global scope (Node and its libc)
 * before this library: wherever glibc has a symbol, glibc's is used and the
 * definition here is dead code. What it calls from glibc is pinned to the
 * versions glibc 2.31 has (.symver), so it loads there whatever glibc it is
 * compiled on; and on glibc >= 2.38, whose headers redirect strtol to
 * __isoc23_strtol, it still calls the C99 functions.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PINNED(ret, name, version, args) \
  extern ret libc_##name args __asm__(#name "_pinned"); \
  __asm__(".symver " #name "_pinned, " #name "@" version)
PINNED(long, strtol, "GLIBC_2.2.5", (const char *, char **, int));
PINNED(unsigned long, strtoul, "GLIBC_2.2.5", (const char *, char **, int));
PINNED(int, vsscanf, "GLIBC_2.2.5", (const char *, const char *, va_list));
PINNED(ssize_t, getrandom, "GLIBC_2.25", (void *, size_t, unsigned int));
PINNED(int, dl_iterate_phdr, "GLIBC_2.2.5", (int (*)(struct dl_phdr_info *, size_t, void *), void *));
PINNED(int, dladdr1, "GLIBC_2.3.3", (const void *, Dl_info *, void **, int));
PINNED(long, syscall, "GLIBC_2.2.5", (long, ...));

/* glibc 2.38, C23: strtol/strtoul also read a "0b"/"0B" binary prefix when
 * base is 0 or 2; otherwise they are exactly strtol/strtoul. */
static const char *binary_digits(const char *s, int base, int *negative) {
  while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
  *negative = 0;
  if (*s == '+' || *s == '-') *negative = (*s++ == '-');
  if ((base == 0 || base == 2) && s[0] == '0' && (s[1] == 'b' || s[1] == 'B') && (s[2] == '0' || s[2] == '1'))
    return s + 2;
  return NULL;
}

static unsigned long parse_binary(const char *digits, char **endptr, int *overflow) {
  unsigned long value = 0;
  *overflow = 0;
  for (; *digits == '0' || *digits == '1'; digits++) {
    if (value > (~0UL >> 1)) *overflow = 1;
    value = (value << 1) | (unsigned long)(*digits - '0');
  }
  if (endptr) *endptr = (char *)digits;
  return value;
}

long __isoc23_strtol(const char *nptr, char **endptr, int base) {
  int negative, overflow;
  const char *digits = binary_digits(nptr, base, &negative);
  if (!digits) return libc_strtol(nptr, endptr, base);
  unsigned long magnitude = parse_binary(digits, endptr, &overflow);
  unsigned long limit = negative ? (unsigned long)LONG_MAX + 1UL : (unsigned long)LONG_MAX;
  if (overflow || magnitude > limit) {
    errno = ERANGE;
    return negative ? LONG_MIN : LONG_MAX;
  }
  return negative ? (long)(0UL - magnitude) : (long)magnitude;
}

unsigned long __isoc23_strtoul(const char *nptr, char **endptr, int base) {
  int negative, overflow;
  const char *digits = binary_digits(nptr, base, &negative);
  if (!digits) return libc_strtoul(nptr, endptr, base);
  unsigned long magnitude = parse_binary(digits, endptr, &overflow);
  if (overflow) {
    errno = ERANGE;
    return ULONG_MAX;
  }
  return negative ? 0UL - magnitude : magnitude;
}

/* glibc 2.38, C23: sscanf's %i also reads a 0b prefix and %b is new. The uWS
 * build passes only "%lu" and "%lx" (checked by the test of this shim), for
 * which C23 and C99 agree, so vsscanf is exact here. */
int __isoc23_sscanf(const char *s, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = libc_vsscanf(s, format, args);
  va_end(args);
  return n;
}

/* glibc 2.36: arc4random, from the kernel's CSPRNG as glibc's is; like
 * glibc's, it never returns a weak value: no entropy aborts. */
uint32_t arc4random(void) {
  uint32_t value;
  size_t got = 0;
  while (got < sizeof value) {
    ssize_t n = libc_getrandom((char *)&value + got, sizeof value - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      abort();
    }
    got += (size_t)n;
  }
  return value;
}

/* glibc 2.35: _dl_find_object, which GCC's unwinder calls to find the
 * exception-handling frame table of the object holding an address (C++
 * exceptions). The layout is glibc's for x86-64 (no eh_dbase, no eh_count). */
struct compat_dl_find_object {
  unsigned long long dlfo_flags;
  void *dlfo_map_start;
  void *dlfo_map_end;
  struct link_map *dlfo_link_map;
  void *dlfo_eh_frame;
  unsigned long long __dlfo_reserved[7];
};

struct find_request {
  uintptr_t pc;
  struct compat_dl_find_object *result;
  int found;
};

static int find_object(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct find_request *req = data;
  uintptr_t start = UINTPTR_MAX, end = 0, eh_frame = 0;
  int contains = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t base = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD) {
      if (base < start) start = base;
      if (base + ph->p_memsz > end) end = base + ph->p_memsz;
      if (req->pc >= base && req->pc < base + ph->p_memsz) contains = 1;
    } else if (ph->p_type == PT_GNU_EH_FRAME) {
      eh_frame = base;
    }
  }
  if (!contains) return 0;
  memset(req->result, 0, sizeof *req->result);
  req->result->dlfo_map_start = (void *)start;
  req->result->dlfo_map_end = (void *)end;
  req->result->dlfo_eh_frame = (void *)eh_frame;
  Dl_info symbol;
  void *map = NULL;
  if (libc_dladdr1((void *)req->pc, &symbol, &map, RTLD_DL_LINKMAP)) req->result->dlfo_link_map = map;
  req->found = 1;
  return 1;
}

/* Exported under glibc's name by the assembler: glibc ≥ 2.35 headers declare
 * it with their own struct. */
int compat_dl_find_object(void *pc, struct compat_dl_find_object *result);
int compat_dl_find_object(void *pc, struct compat_dl_find_object *result) {
  struct find_request req = { (uintptr_t)pc, result, 0 };
  libc_dl_iterate_phdr(find_object, &req);
  return req.found ? 0 : -1;
}
__asm__(".globl _dl_find_object\n.type _dl_find_object, @function\n.set _dl_find_object, compat_dl_find_object");

/* glibc 2.33: fstat as a function (before, a header inline calling __fxstat). */
struct stat;
int fstat(int fd, struct stat *buf) {
  return (int)libc_syscall(SYS_fstat, fd, buf);
}

/* glibc 2.32: libstdc++ skips atomic reference counts when this is nonzero;
 * 0 ("maybe multi-threaded") is always correct, only slower. */
char __libc_single_threaded = 0;
