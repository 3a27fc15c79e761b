package io.llava4j.format.torch;

import io.llava4j.format.CheckpointException;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader for PyTorch state dicts that only accepts the globals a state dict needs (the equivalent of
 * {@code torch.load(weights_only=True)}). Anything else (os.system, eval, arbitrary classes) is refused before it
 * could mean anything. Produces plain Java values: Map, List, Object[] (tuples), String, Long, Double, Boolean,
 * null, and {@link TensorRef} / {@link StorageRef} for tensors.
 */
final class RestrictedUnpickler {

    /** A storage referenced by persistent id: ('storage', type, key, location, numel). */
    record StorageRef(String storageType, String key, long numel) {}

    /** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...). */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** A permitted global, kept as a name until called. */
    private record Global(String name) {}

    private static final Object MARK = new Object();

    static final Set<String> STORAGE_TYPES = Set.of("HalfStorage", "FloatStorage", "BFloat16Storage", "DoubleStorage",
            "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage");
    private static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "builtins.set",
            "torch.float16", "torch.float32", "torch.bfloat16");

    private final ByteBuffer b;
    private final String source;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    private RestrictedUnpickler(byte[] data, String source) {
        this.b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
    }

    static Object load(byte[] data, String source) {
        try {
            return new RestrictedUnpickler(data, source).run();
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | ClassCastException e) {
            throw new CheckpointException(source + ": corrupt or truncated pickle (" + e.getClass().getSimpleName() + ")");
        }
    }

    private CheckpointException bad(String msg) { return new CheckpointException(source + ": " + msg); }

    private Object pop() { return stack.removeLast(); }

    private List<Object> popMark() {
        int i = stack.size() - 1;
        while (i >= 0 && stack.get(i) != MARK) i--;
        if (i < 0) throw bad("pickle MARK missing");
        List<Object> items = new ArrayList<>(stack.subList(i + 1, stack.size()));
        stack.subList(i, stack.size()).clear();
        return items;
    }

    private String str(int n) {
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private Object run() {
        while (true) {
            int op = b.get() & 0xff;
            switch (op) {
                case 0x80 -> b.get();                                   // PROTO
                case 0x95 -> b.getLong();                               // FRAME
                case '.' -> { return pop(); }                           // STOP
                case '}' -> stack.add(new LinkedHashMap<>());          // EMPTY_DICT
                case ']' -> stack.add(new ArrayList<>());               // EMPTY_LIST
                case ')' -> stack.add(new Object[0]);                   // EMPTY_TUPLE
                case '(' -> stack.add(MARK);                            // MARK
                case 'N' -> stack.add(null);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'K' -> stack.add((long) (b.get() & 0xff));         // BININT1
                case 'M' -> stack.add((long) (b.getShort() & 0xffff));  // BININT2
                case 'J' -> stack.add((long) b.getInt());               // BININT
                case 0x8a -> {                                          // LONG1
                    int n = b.get() & 0xff;
                    byte[] v = new byte[n];
                    b.get(v);
                    byte[] be = new byte[n];
                    for (int i = 0; i < n; i++) be[i] = v[n - 1 - i];
                    stack.add(n == 0 ? 0L : new BigInteger(be).longValue());
                }
                case 'G' -> stack.add(b.order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT (big-endian)
                case 'X' -> stack.add(str(b.order(ByteOrder.LITTLE_ENDIAN).getInt())); // BINUNICODE
                case 0x8c -> stack.add(str(b.get() & 0xff));            // SHORT_BINUNICODE
                case 'T' -> stack.add(str(b.getInt()));                 // BINSTRING
                case 'U' -> stack.add(str(b.get() & 0xff));             // SHORT_BINSTRING
                case 'B' -> { byte[] v = new byte[b.getInt()]; b.get(v); stack.add(v); }
                case 'C' -> { byte[] v = new byte[b.get() & 0xff]; b.get(v); stack.add(v); }
                case 'q' -> memo.put(b.get() & 0xff, stack.getLast());  // BINPUT
                case 'r' -> memo.put(b.getInt(), stack.getLast());      // LONG_BINPUT
                case 0x94 -> memo.put(memo.size(), stack.getLast());    // MEMOIZE
                case 'h' -> stack.add(memo(b.get() & 0xff));            // BINGET
                case 'j' -> stack.add(memo(b.getInt()));                // LONG_BINGET
                case '0' -> pop();                                      // POP
                case '1' -> popMark();                                  // POP_MARK
                case '2' -> stack.add(stack.getLast());                 // DUP
                case 't' -> stack.add(popMark().toArray());             // TUPLE
                case 0x85 -> stack.add(new Object[] {pop()});
                case 0x86 -> { Object y = pop(), x = pop(); stack.add(new Object[] {x, y}); }
                case 0x87 -> { Object z = pop(), y = pop(), x = pop(); stack.add(new Object[] {x, y, z}); }
                case 'l' -> stack.add(new ArrayList<>(popMark()));      // LIST
                case 'd' -> {                                           // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
                    stack.add(m);
                }
                case 'a' -> { Object v = pop(); ((List<Object>) stack.getLast()).add(v); }
                case 'e' -> { List<Object> items = popMark(); ((List<Object>) stack.getLast()).addAll(items); }
                case 's' -> { Object v = pop(), k = pop(); ((Map<Object, Object>) stack.getLast()).put(k, v); }
                case 'u' -> {
                    List<Object> items = popMark();
                    Map<Object, Object> m = (Map<Object, Object>) stack.getLast();
                    for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
                }
                case 'c' -> stack.add(global(line(), line()));          // GLOBAL
                case 0x93 -> { String name = (String) pop(), module = (String) pop(); stack.add(global(module, name)); }
                case 'Q' -> stack.add(persistent(pop()));              // BINPERSID
                case 'R' -> { Object args = pop(), fn = pop(); stack.add(call(fn, (Object[]) args)); }
                case 0x81 -> { Object args = pop(), cls = pop(); stack.add(call(cls, (Object[]) args)); } // NEWOBJ
                case 'b' -> pop();                                      // BUILD: state ignored (OrderedDict _metadata)
                default -> throw bad(String.format("unsupported pickle opcode 0x%02x at byte %d (not a plain state dict?)", op, b.position() - 1));
            }
        }
    }

    private Object memo(int k) {
        if (!memo.containsKey(k)) throw bad("pickle memo " + k + " missing");
        return memo.get(k);
    }

    private String line() {
        StringBuilder s = new StringBuilder();
        for (byte c; (c = b.get()) != '\n'; ) s.append((char) c);
        return s.toString();
    }

    private Object global(String module, String name) {
        String full = module + "." + name;
        if (module.equals("torch") && STORAGE_TYPES.contains(name)) return new Global(full);
        if (!ALLOWED.contains(full)) {
            throw bad("refusing to load: the pickle calls '" + full + "', which a plain state dict never needs "
                    + "(only tensors and OrderedDicts are accepted, as torch.load(weights_only=True))");
        }
        return new Global(full);
    }

    private Object persistent(Object pid) {
        if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof Global g)) {
            throw bad("unsupported persistent id in pickle");
        }
        String type = g.name().substring(g.name().lastIndexOf('.') + 1);
        if (!STORAGE_TYPES.contains(type)) throw bad("unsupported storage type " + g.name());
        return new StorageRef(type, String.valueOf(t[2]), ((Number) t[4]).longValue());
    }

    private Object call(Object fn, Object[] args) {
        if (!(fn instanceof Global g)) throw bad("pickle calls a non-global");
        return switch (g.name()) {
            case "collections.OrderedDict" -> new LinkedHashMap<>();
            case "builtins.set" -> new ArrayList<>();
            case "torch._utils._rebuild_tensor_v2" -> new TensorRef((StorageRef) args[0], ((Number) args[1]).longValue(),
                    longs((Object[]) args[2]), longs((Object[]) args[3]));
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> args[0];
            default -> throw bad("refusing to call '" + g.name() + "'");
        };
    }

    private static long[] longs(Object[] t) {
        long[] a = new long[t.length];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) t[i]).longValue();
        return a;
    }
}
