/*
 * skewtime.so — per-process wall-clock offset for faultline's clock nemesis (LD_PRELOAD).
 *
 * Adds an offset, re-read from a file at most every SKEW_REFRESH_MS (default 20 ms), to CLOCK_REALTIME,
 * CLOCK_REALTIME_COARSE and CLOCK_TAI, gettimeofday, time and timespec_get. Monotonic clocks are left
 * alone, so timers, timeouts and leases keep working.
 *
 * File (SKEW_FILE, default /run/faultline/clock-offset):
 *   "<seconds>"                            fixed offset, signed, fractions allowed (+3600, -30, 0.25)
 *   "strobe <a> <b> <period_ms> <dur_ms>"  flips between a and b every period for dur, then stays at a
 *   missing file: offset 0; unparsable or empty (mid-write): the previous offset is kept.
 *
 * Go reads the vDSO itself and never calls libc, so the constructor also copies the vDSO, points the
 * copy's clock_gettime/gettimeofday/time symbols at the hooks here (every other symbol back into the
 * real vDSO, whose code must stay where it is: it reads the kernel's data pages next to it), and makes
 * AT_SYSINFO_EHDR in the auxv on the initial stack name the copy. The Go runtime reads the auxv after
 * LD_PRELOAD constructors have run.
 *
 * Rules, because the hooks run on Go's system stacks and in signal handlers: raw syscalls only, no
 * malloc, no dlsym, no errno, no TLS (build with -fno-stack-protector). x86_64 Linux only.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#define NS 1000000000LL

static long sys3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  long r;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return r;
}

typedef int (*cgt_fn)(clockid_t, struct timespec *);
typedef int (*gtod_fn)(struct timeval *, void *);
static cgt_fn real_cgt;   /* the kernel vDSO's clock_gettime (returns 0 or -errno) */
static gtod_fn real_gtod; /* the kernel vDSO's gettimeofday */

static char skew_file[512] = "/run/faultline/clock-offset";
static long long refresh_ns = 20000000LL;

/* Current setting. Written by whichever thread refreshes; a torn read lasts at most one call. */
static volatile long long off_a, off_b, period_ns, dur_ns, strobe_t0, next_check;
static volatile unsigned long long content_hash = 1; /* 1: never read */
static volatile int busy;

static int raw_cgt(clockid_t c, struct timespec *ts) {
  if (real_cgt) return real_cgt(c, ts);
  return (int)sys3(SYS_clock_gettime, c, (long)ts, 0);
}

static long long mono_ns(void) {
  struct timespec ts;
  if (raw_cgt(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return ts.tv_sec * NS + ts.tv_nsec;
}

/* Parses a signed decimal number of `unit`s (seconds → NS, ms → 1e6) into ns; p advances. 0 on failure. */
static int parse_num(const char **pp, long long unit, long long *out) {
  const char *p = *pp;
  while (*p == ' ' || *p == '\t') p++;
  int neg = 0;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  if ((*p < '0' || *p > '9') && *p != '.') return 0;
  long long whole = 0, frac = 0, scale = 1;
  int digits = 0;
  while (*p >= '0' && *p <= '9') whole = whole * 10 + (*p++ - '0'), digits++;
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') {
      if (scale < 1000000000LL) frac = frac * 10 + (*p - '0'), scale *= 10;
      p++, digits++;
    }
  }
  if (!digits) return 0;
  long long v = whole * unit + frac * unit / scale;
  *out = neg ? -v : v;
  *pp = p;
  return 1;
}

static void refresh(long long now) {
  if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE)) return; /* another thread is at it */
  char buf[256];
  long n = -1;
  long fd = sys6(SYS_openat, AT_FDCWD, (long)skew_file, O_RDONLY | O_CLOEXEC, 0, 0, 0);
  if (fd >= 0) {
    n = sys3(SYS_read, fd, (long)buf, sizeof buf - 1);
    sys3(SYS_close, fd, 0, 0);
  }
  unsigned long long h = 1469598103934665603ULL;
  if (n < 0) n = 0, h = 2; /* no file: offset 0 */
  buf[n] = 0;
  for (long i = 0; i < n; i++) h = (h ^ (unsigned char)buf[i]) * 1099511628211ULL;
  if (h != content_hash) {
    long long a = 0, b = 0, per = 0, dur = 0;
    const char *p = buf;
    int ok;
    while (*p == ' ' || *p == '\n') p++;
    if (h == 2) ok = 1;
    else if (p[0] == 's' && p[1] == 't' && p[2] == 'r' && p[3] == 'o' && p[4] == 'b' && p[5] == 'e') {
      p += 6;
      ok = parse_num(&p, NS, &a) && parse_num(&p, NS, &b) && parse_num(&p, 1000000LL, &per) &&
           parse_num(&p, 1000000LL, &dur) && per > 0;
    } else
      ok = parse_num(&p, NS, &a);
    if (ok) { /* empty or half-written files keep the previous setting */
      off_a = a, off_b = b, period_ns = per, dur_ns = dur, strobe_t0 = now;
      content_hash = h;
    }
  }
  next_check = now + refresh_ns;
  __atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}

static long long offset_ns(void) {
  long long now = mono_ns();
  if (now >= next_check) refresh(now);
  long long per = period_ns;
  if (per > 0) {
    long long el = now - strobe_t0;
    if (el >= 0 && el < dur_ns) return ((el / per) & 1) ? off_b : off_a;
  }
  return off_a;
}

static inline int is_wall(clockid_t c) {
  return c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE || c == CLOCK_TAI;
}

static void shift(struct timespec *ts, long long off) {
  long long ns = ts->tv_nsec + off % NS;
  long long s = ts->tv_sec + off / NS;
  if (ns < 0) ns += NS, s--;
  else if (ns >= NS) ns -= NS, s++;
  ts->tv_sec = s, ts->tv_nsec = ns;
}

/* vDSO-ABI hooks (what Go calls): return 0 or -errno, like the kernel's. */
static int hook_vdso_cgt(clockid_t c, struct timespec *ts) {
  int r = raw_cgt(c, ts);
  if (r == 0 && is_wall(c)) shift(ts, offset_ns());
  return r;
}

static int hook_vdso_gtod(struct timeval *tv, void *tz) {
  if (!tv) return real_gtod ? real_gtod(tv, tz) : (int)sys3(SYS_gettimeofday, 0, (long)tz, 0);
  struct timespec ts;
  int r = raw_cgt(CLOCK_REALTIME, &ts);
  if (r != 0) return r;
  if (tz && real_gtod) real_gtod(NULL, tz);
  shift(&ts, offset_ns());
  tv->tv_sec = ts.tv_sec, tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

static time_t hook_vdso_time(time_t *t) {
  struct timespec ts;
  if (hook_vdso_cgt(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  if (t) *t = ts.tv_sec;
  return ts.tv_sec;
}

/* libc interposition (C, C++, JVM, Erlang, Node …). Errors return -1 without errno (no TLS here). */
int clock_gettime(clockid_t c, struct timespec *ts) { return hook_vdso_cgt(c, ts) == 0 ? 0 : -1; }
int gettimeofday(struct timeval *restrict tv, void *restrict tz) { return hook_vdso_gtod(tv, tz) == 0 ? 0 : -1; }
time_t time(time_t *t) { return hook_vdso_time(t); }
int timespec_get(struct timespec *ts, int base) {
  return base == TIME_UTC && hook_vdso_cgt(CLOCK_REALTIME, ts) == 0 ? base : 0;
}

static int streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

/* A parsed vDSO image: where its tables are, relative to `base`. */
struct vdso {
  uintptr_t base, load_off;
  Elf64_Sym *sym;
  const char *str;
  size_t nsym, size;
};

static int parse_vdso(uintptr_t base, struct vdso *v) {
  Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
  if (eh->e_ident[0] != 0x7f || eh->e_ident[1] != 'E' || eh->e_ident[EI_CLASS] != ELFCLASS64) return 0;
  Elf64_Phdr *ph = (Elf64_Phdr *)(base + eh->e_phoff);
  Elf64_Dyn *dyn = 0;
  int have_load = 0;
  size_t size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
  v->base = base;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_LOAD && !have_load) have_load = 1, v->load_off = base + ph[i].p_offset - ph[i].p_vaddr;
    if (ph[i].p_type == PT_DYNAMIC) dyn = (Elf64_Dyn *)(base + ph[i].p_offset);
    if (ph[i].p_type == PT_LOAD && ph[i].p_offset + ph[i].p_filesz > size) size = ph[i].p_offset + ph[i].p_filesz;
  }
  if (!have_load || !dyn) return 0;
  Elf32_Word *hash = 0;
  v->sym = 0, v->str = 0;
  for (; dyn->d_tag != DT_NULL; dyn++) {
    uintptr_t p = v->load_off + dyn->d_un.d_ptr;
    if (dyn->d_tag == DT_SYMTAB) v->sym = (Elf64_Sym *)p;
    if (dyn->d_tag == DT_STRTAB) v->str = (const char *)p;
    if (dyn->d_tag == DT_HASH) hash = (Elf32_Word *)p;
  }
  if (!v->sym || !v->str) return 0;
  /* DT_HASH's nchain is the symbol count; without it, dynsym runs up to dynstr (the linker's layout). */
  v->nsym = hash ? hash[1] : (size_t)((uintptr_t)v->str - (uintptr_t)v->sym) / sizeof(Elf64_Sym);
  v->size = (size + 4095) & ~(size_t)4095;
  return 1;
}

static uintptr_t lookup(struct vdso *v, const char *name) {
  for (size_t i = 0; i < v->nsym; i++) {
    Elf64_Sym *s = &v->sym[i];
    if (s->st_shndx != SHN_UNDEF && s->st_value && streq(v->str + s->st_name, name)) return v->load_off + s->st_value;
  }
  return 0;
}

__attribute__((constructor)) static void skewtime_init(int argc, char **argv, char **envp) {
  (void)argc, (void)argv;
  const char *f = getenv("SKEW_FILE");
  if (f && *f) {
    size_t i = 0;
    for (; f[i] && i < sizeof skew_file - 1; i++) skew_file[i] = f[i];
    skew_file[i] = 0;
  }
  const char *r = getenv("SKEW_REFRESH_MS");
  if (r && *r) {
    long long ms = 0;
    if (parse_num(&r, 1000000LL, &ms) && ms >= 0) refresh_ns = ms;
  }
  uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
  struct vdso real;
  if (!base || !parse_vdso(base, &real)) return; /* no vDSO: libc falls back to syscalls, hooks still work */
  real_cgt = (cgt_fn)lookup(&real, "__vdso_clock_gettime");
  real_gtod = (gtod_fn)lookup(&real, "__vdso_gettimeofday");
  if (!real_cgt) return;

  /* The copy for Go: same bytes, symbols re-pointed. */
  long m = sys6(SYS_mmap, 0, (long)real.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m < 0 && m > -4096) return;
  unsigned char *dst = (unsigned char *)m;
  for (size_t i = 0; i < real.size; i++) dst[i] = ((unsigned char *)base)[i];
  struct vdso copy;
  if (!parse_vdso((uintptr_t)dst, &copy)) return;
  for (size_t i = 0; i < copy.nsym; i++) {
    Elf64_Sym *s = &copy.sym[i];
    if (s->st_shndx == SHN_UNDEF || !s->st_value) continue;
    const char *name = copy.str + s->st_name;
    uintptr_t target = real.load_off + s->st_value;
    if (streq(name, "__vdso_clock_gettime") || streq(name, "clock_gettime")) target = (uintptr_t)hook_vdso_cgt;
    else if (streq(name, "__vdso_gettimeofday") || streq(name, "gettimeofday")) target = (uintptr_t)hook_vdso_gtod;
    else if (streq(name, "__vdso_time") || streq(name, "time")) target = (uintptr_t)hook_vdso_time;
    s->st_value = target - copy.load_off; /* wraps modulo 2^64, as the loader's addition does */
  }
  sys3(SYS_mprotect, m, (long)real.size, PROT_READ);
  /* auxv follows envp's terminating NULL on the initial stack. */
  if (!envp) return;
  char **p = envp;
  while (*p) p++;
  /* Only write when this really is the kernel's auxv (envp could be a copy made by an earlier constructor). */
  Elf64_auxv_t *aux = (Elf64_auxv_t *)(p + 1), *ehdr = 0;
  int pagesz = 0, k = 0;
  for (Elf64_auxv_t *a = aux; a->a_type != AT_NULL && k < 64; a++, k++) {
    if (a->a_type == AT_SYSINFO_EHDR && a->a_un.a_val == (uint64_t)base) ehdr = a;
    if (a->a_type == AT_PAGESZ && a->a_un.a_val == (uint64_t)getauxval(AT_PAGESZ)) pagesz = 1;
  }
  if (ehdr && pagesz && k < 64) ehdr->a_un.a_val = (uint64_t)m;
}
