package io.llava4j.eval;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tab-separated files as pandas reads them (double-quote quoting, "" escapes, newlines inside quotes). */
final class Tsv {
    private Tsv() {}

    static List<Map<String, String>> read(Path file) throws Exception {
        String s;
        try {
            s = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new EvalException("file not found: " + file);
        }
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false, fieldStart = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '"') { f.append('"'); i++; }
                    else quoted = false;
                } else f.append(c);
            } else if (c == '"' && fieldStart) { quoted = true; fieldStart = false; }
            else if (c == '\t') { row.add(f.toString()); f.setLength(0); fieldStart = true; }
            else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
                row.add(f.toString()); f.setLength(0); rows.add(row); row = new ArrayList<>(); fieldStart = true;
            } else { f.append(c); fieldStart = false; }
        }
        if (f.length() > 0 || !row.isEmpty()) { row.add(f.toString()); rows.add(row); }
        if (rows.isEmpty()) throw new EvalException(file + ": empty");
        List<String> header = rows.getFirst();
        List<Map<String, String>> out = new ArrayList<>();
        for (int r = 1; r < rows.size(); r++) {
            if (rows.get(r).size() == 1 && rows.get(r).getFirst().isEmpty()) continue;
            if (rows.get(r).size() != header.size()) throw new EvalException(file + ": row " + (r + 1) + " has " + rows.get(r).size() + " fields, the header " + header.size());
            Map<String, String> m = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) m.put(header.get(c), rows.get(r).get(c));
            out.add(m);
        }
        return out;
    }
}
