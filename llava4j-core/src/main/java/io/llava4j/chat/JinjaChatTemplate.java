package io.llava4j.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import jinjava.javax.el.CompositeELResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A Hugging Face {@code chat_template} (Jinja), rendered with Jinjava the way {@code transformers} renders it:
 * {@code trim_blocks} and {@code lstrip_blocks} on, variables {@code messages}, {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, plus the functions {@code raise_exception(msg)} and
 * {@code strftime_now(fmt)}.
 *
 * <p>Messages are passed in HF's processor structure,
 * {@code {role, content: [{type: "image"}, {type: "video"}, {type: "text", text: ...}]}} (see {@link Message#toHf()}),
 * or, with {@link #withStringContent()}, with {@code content} as a plain string for text-only templates.
 *
 * <p>Python string methods used by HF templates ({@code message['role'].upper()}, {@code .strip()}, {@code .title()},
 * {@code .startswith()}, {@code .split()}, ...) are answered by {@link PyMethodResolver}, placed in front of
 * Jinjava's resolver. Known differences from Python Jinja2 that the LLaVA-family templates do not hit: booleans print
 * as {@code true}/{@code false} (Python: {@code True}), {@code none} prints as an empty string, and {@code tojson}
 * is compact ({@code {"a":1}}, Python's has spaces).
 */
public final class JinjaChatTemplate implements ChatTemplate {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final boolean stringContent;
    private final Jinjava jinjava;

    /**
     * @param source   the Jinja source of the template
     * @param bosToken value of {@code bos_token} (may be null: rendered as empty)
     * @param eosToken value of {@code eos_token} (may be null: rendered as empty)
     */
    public JinjaChatTemplate(String source, String bosToken, String eosToken) {
        this(source, bosToken, eosToken, false);
    }

    private JinjaChatTemplate(String source, String bosToken, String eosToken, boolean stringContent) {
        this.source = Objects.requireNonNull(source, "source");
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.stringContent = stringContent;
        this.jinjava = newJinjava();
    }

    /** The same template, fed messages whose {@code content} is one string ({@link Message#text()}). */
    public JinjaChatTemplate withStringContent() {
        return new JinjaChatTemplate(source, bosToken, eosToken, true);
    }

    public String source() {
        return source;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    private static Jinjava newJinjava() {
        JinjavaConfig base = JinjavaConfig.newBuilder().build();
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyMethodResolver());
        resolver.add(base.getElResolver());
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .withElResolver(resolver)
                .build();
        Jinjava j = new Jinjava(config);
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                JinjaChatTemplate.class, "raiseException", Object.class));
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                JinjaChatTemplate.class, "strftimeNow", String.class));
        return j;
    }

    /** Thrown by {@code raise_exception(msg)} inside a template. */
    static final class RaisedException extends RuntimeException {
        RaisedException(String message) {
            super(message);
        }
    }

    /** Target of {@code raise_exception(msg)}. */
    public static Object raiseException(Object message) {
        throw new RaisedException(String.valueOf(message));
    }

    /** Target of {@code strftime_now(fmt)}: the local time in a strftime format (common directives only). */
    public static String strftimeNow(String format) {
        LocalDateTime now = LocalDateTime.now();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            String pattern = switch (d) {
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'm' -> "MM";
                case 'd' -> "dd";
                case 'H' -> "HH";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'B' -> "MMMM";
                case 'b' -> "MMM";
                case 'A' -> "EEEE";
                case 'a' -> "EEE";
                case 'p' -> "a";
                case 'I' -> "hh";
                default -> null;
            };
            if (d == '%') sb.append('%');
            else if (d == '-' && i + 1 < format.length()) { // %-d: no zero padding
                char e = format.charAt(++i);
                sb.append(switch (e) {
                    case 'd' -> String.valueOf(now.getDayOfMonth());
                    case 'm' -> String.valueOf(now.getMonthValue());
                    case 'H' -> String.valueOf(now.getHour());
                    default -> "%-" + e;
                });
            } else if (pattern != null) sb.append(now.format(DateTimeFormatter.ofPattern(pattern, java.util.Locale.ENGLISH)));
            else sb.append('%').append(d);
        }
        return sb.toString();
    }

    @Override
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> hf = new ArrayList<>(messages.size());
        for (Message m : messages) hf.add(stringContent ? m.toHfStringContent() : m.toHf());
        return renderRaw(hf, addGenerationPrompt, Map.of());
    }

    /**
     * Renders with messages already in HF form (maps and lists, as {@code json.loads} would give) and extra template
     * variables (e.g. {@code tools}, {@code documents}). {@code bos_token}/{@code eos_token} are set unless given.
     */
    public String renderRaw(List<?> messages, boolean addGenerationPrompt, Map<String, Object> extra) {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("bos_token", bosToken == null ? "" : bosToken);
        ctx.put("eos_token", eosToken == null ? "" : eosToken);
        ctx.putAll(extra);
        ctx.put("messages", messages);
        ctx.put("add_generation_prompt", addGenerationPrompt);
        RenderResult r;
        try {
            r = jinjava.renderForResult(source, ctx);
        } catch (RaisedException e) {
            throw new ChatTemplateException(e.getMessage(), e);
        } catch (RuntimeException e) {
            Throwable c = e;
            while (c != null) {
                if (c instanceof RaisedException re) throw new ChatTemplateException(re.getMessage(), re);
                c = c.getCause();
            }
            throw new ChatTemplateException("chat template failed: " + e, e);
        }
        List<String> fatal = new ArrayList<>();
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() != TemplateError.ErrorType.FATAL) continue;
            Throwable c = e.getException();
            while (c != null) {
                if (c instanceof RaisedException re) throw new ChatTemplateException(re.getMessage(), re);
                c = c.getCause();
            }
            fatal.add(e.getMessage() + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : ""));
        }
        if (!fatal.isEmpty()) throw new ChatTemplateException("chat template error: " + String.join("; ", fatal));
        return r.getOutput();
    }

    /** EOS as a stop string when known, else none. (Generation should also stop on the EOS token id.) */
    @Override
    public List<String> stopStrings() {
        return eosToken == null || eosToken.isEmpty() ? List.of() : List.of(eosToken);
    }

    /**
     * Loads the chat template of a model folder, as transformers' processor does: {@code chat_template.json}
     * ({@code {"chat_template": "..."}}), else {@code chat_template.jinja}, else {@code tokenizer_config.json}'s
     * {@code chat_template} (a string, or a list of {@code {name, template}} from which {@code default} is taken).
     * {@code bos_token}/{@code eos_token} come from {@code tokenizer_config.json}, else {@code special_tokens_map.json}
     * (plain strings or {@code {"content": ...}} objects). Empty when the folder has no template.
     */
    public static Optional<JinjaChatTemplate> fromModelDir(Path dir) {
        String source = null;
        Path ct = dir.resolve("chat_template.json");
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(ct)) {
            JsonNode n = readJson(ct).get("chat_template");
            if (n != null && n.isTextual()) source = n.asText();
        }
        if (source == null && Files.isRegularFile(jinja)) {
            try {
                source = Files.readString(jinja);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (source == null) source = tokenizerTemplate(dir).orElse(null);
        if (source == null) return Optional.empty();
        String[] special = specialTokens(dir);
        return Optional.of(new JinjaChatTemplate(source, special[0], special[1]));
    }

    /** The {@code chat_template} of {@code tokenizer_config.json} only (the tokenizer's, not the processor's). */
    public static Optional<JinjaChatTemplate> fromTokenizerConfig(Path dir) {
        return tokenizerTemplate(dir).map(s -> {
            String[] special = specialTokens(dir);
            return new JinjaChatTemplate(s, special[0], special[1]);
        });
    }

    private static Optional<String> tokenizerTemplate(Path dir) {
        Path tc = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(tc)) return Optional.empty();
        JsonNode n = readJson(tc).get("chat_template");
        if (n == null || n.isNull()) return Optional.empty();
        if (n.isTextual()) return Optional.of(n.asText());
        if (n.isArray()) {
            for (JsonNode e : n) {
                if ("default".equals(e.path("name").asText())) return Optional.of(e.path("template").asText());
            }
            throw new ChatTemplateException(tc + ": chat_template list has no 'default' entry");
        }
        throw new ChatTemplateException(tc + ": chat_template is neither a string nor a list");
    }

    private static String[] specialTokens(Path dir) {
        String bos = null, eos = null;
        for (String f : new String[] {"tokenizer_config.json", "special_tokens_map.json"}) {
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) continue;
            JsonNode n = readJson(p);
            if (bos == null) bos = tokenText(n.get("bos_token"));
            if (eos == null) eos = tokenText(n.get("eos_token"));
        }
        return new String[] {bos, eos};
    }

    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        JsonNode c = n.get("content");
        return c != null && c.isTextual() ? c.asText() : null;
    }

    private static JsonNode readJson(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
