# Sourced by ./llava4j and ./run-tests: finds a JDK 25 and exports JAVA_HOME.
# Order: $JAVA_HOME if it is 25, then the JVM directory (/usr/lib/jvm/*25*).
# Exits 2 with one line when none is found.
llava4j_is_jdk25() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | grep -q 'java.specification.version = 25$'
}
llava4j_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && llava4j_is_jdk25 "$JAVA_HOME"; then return 0; fi
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    if [ -d "$d" ] && llava4j_is_jdk25 "$d"; then export JAVA_HOME="$d"; return 0; fi
  done
  echo "llava4j: JDK 25 not found (set JAVA_HOME to a JDK 25, e.g. Temurin 25, or install one under /usr/lib/jvm)" >&2
  exit 2
}
llava4j_find_jdk
export PATH="$JAVA_HOME/bin:$PATH"
# JVM flags, kept in one place (the pom has the same list for tests).
LLAVA4J_JVM_FLAGS="--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+IgnoreUnrecognizedVMOptions --sun-misc-unsafe-memory-access=allow"
# Weights quantized at load time live off-heap; by default the JVM caps off-heap memory at the heap size (1/4 of RAM),
# too little for a 7B model at 8 bits. Allow up to the machine's memory (the OS, not the JVM, is the limit).
if [ -r /proc/meminfo ]; then
  LLAVA4J_JVM_FLAGS="$LLAVA4J_JVM_FLAGS -XX:MaxDirectMemorySize=$(awk '/MemTotal/ {print $2 "k"}' /proc/meminfo)"
fi
