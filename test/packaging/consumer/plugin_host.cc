// Calls into the user's shared object that carries reactor; exits 0 only if its timer fired.
#include "plugin.h"

int main() {
  return plugin_timer_fires() ? 0 : 1;
}
