/* The pod sandbox ("pause") process of the test cluster's real node: holds the pod's namespaces and
 * waits. Built statically by images.sh into a one-file image (no registry here to pull one from). */
#include <signal.h>
#include <unistd.h>

static void done(int sig) {
  (void)sig;
  _exit(0);
}

int main(void) {
  signal(SIGTERM, done);
  signal(SIGINT, done);
  for (;;) pause();
}
