package io.llava4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Added tokens and special-token roles of a slow transformers tokenizer, resolved as
 * {@code PreTrainedTokenizerBase.from_pretrained} and {@code PreTrainedTokenizer.__init__} (4.47) do:
 *
 * <ol>
 *   <li>roles ({@code bos_token}, {@code eos_token}, ...) start from the class defaults and are overridden by
 *       tokenizer_config.json; only when the config has no {@code added_tokens_decoder} (older saves) does
 *       special_tokens_map.json override them, and added_tokens.json supply the added tokens;</li>
 *   <li>every special token not yet added is added: with its vocabulary id if the base vocabulary has it,
 *       else with the next free id.</li>
 * </ol>
 */
final class AddedVocabulary {
    /** transformers' {@code SPECIAL_TOKENS_ATTRIBUTES} order, without additional_special_tokens. */
    static final List<String> ROLES = List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    private final TreeMap<Integer, AddedToken> byId = new TreeMap<>();
    private final Map<String, Integer> byContent = new LinkedHashMap<>();
    private final Map<String, String> roles = new LinkedHashMap<>();
    private final List<String> additional = new ArrayList<>();
    private final Set<String> allSpecialTokens = new LinkedHashSet<>();
    private final Set<Integer> allSpecialIds = new HashSet<>();
    private final int totalSize;

    /**
     * @param defaults the tokenizer class's default roles (role name to content; absent means none)
     * @param baseSize size of the model vocabulary without added tokens
     * @param baseId id of a piece in the model vocabulary, if present
     */
    AddedVocabulary(TokenizerConfig cfg, Map<String, String> defaults, int baseSize, Function<String, OptionalInt> baseId) {
        boolean modern = cfg.config.has("added_tokens_decoder");
        Map<String, AddedToken> roleTokens = new LinkedHashMap<>();
        for (String role : ROLES) {
            AddedToken t = defaults.containsKey(role) ? AddedToken.special(defaults.get(role)) : null;
            if (cfg.config.has(role)) t = AddedToken.fromJson(cfg.config.get(role), true);
            if (!modern && cfg.specialTokensMap.has(role)) t = AddedToken.fromJson(cfg.specialTokensMap.get(role), true);
            if (t != null) roleTokens.put(role, t);
        }
        List<AddedToken> extra = new ArrayList<>();
        JsonNode extraJson = cfg.config.path("additional_special_tokens");
        if (!modern && cfg.specialTokensMap.has("additional_special_tokens")) extraJson = cfg.specialTokensMap.get("additional_special_tokens");
        for (JsonNode v : extraJson) extra.add(AddedToken.fromJson(v, true));

        if (modern) {
            Iterator<Map.Entry<String, JsonNode>> it = cfg.config.get("added_tokens_decoder").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                put(parseId(e.getKey()), AddedToken.fromJson(e.getValue(), false));
            }
        } else if (cfg.addedTokens.isObject()) {
            Set<String> specials = new HashSet<>();
            roleTokens.values().forEach(t -> specials.add(t.content()));
            extra.forEach(t -> specials.add(t.content()));
            Iterator<Map.Entry<String, JsonNode>> it = cfg.addedTokens.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String content = e.getKey();
                boolean special = specials.contains(content);
                put(e.getValue().asInt(), new AddedToken(content, false, false, false, !special, special));
            }
        }

        // Special tokens that are not added yet: id from the vocabulary, else appended.
        List<AddedToken> specialsInOrder = new ArrayList<>(roleTokens.values());
        specialsInOrder.addAll(extra);
        int vocabKeys = baseSize;
        for (String c : byContent.keySet()) if (baseId.apply(c).isEmpty()) vocabKeys++;
        int appended = 0;
        for (AddedToken t : specialsInOrder) {
            if (t.content().isEmpty() || byContent.containsKey(t.content())) continue;
            OptionalInt id = baseId.apply(t.content());
            if (id.isPresent()) {
                put(id.getAsInt(), t);
            } else {
                put(vocabKeys + appended++, t);
            }
        }
        this.totalSize = vocabKeys + appended;

        roleTokens.forEach((role, t) -> roles.put(role, t.content()));
        extra.forEach(t -> additional.add(t.content()));
        allSpecialTokens.addAll(roles.values());
        allSpecialTokens.addAll(additional);
        for (String s : allSpecialTokens) {
            OptionalInt id = idOf(s, baseId);
            if (id.isPresent()) allSpecialIds.add(id.getAsInt());
        }
    }

    private void put(int id, AddedToken t) {
        AddedToken old = byId.put(id, t);
        if (old != null && !old.content().equals(t.content())) byContent.remove(old.content());
        byContent.put(t.content(), id);
    }

    private static int parseId(String key) {
        try {
            return Integer.parseInt(key);
        } catch (NumberFormatException e) {
            throw new TokenizerException(TokenizerConfig.CONFIG + ": added_tokens_decoder key '" + key + "' is not an id");
        }
    }

    /** Added-token id first, then the model vocabulary. */
    OptionalInt idOf(String token, Function<String, OptionalInt> baseId) {
        Integer id = byContent.get(token);
        return id != null ? OptionalInt.of(id) : baseId.apply(token);
    }

    /** The content of a role ("bos_token", ...), or null. */
    String role(String name) {
        return roles.get(name);
    }

    List<String> additionalSpecialTokens() {
        return Collections.unmodifiableList(additional);
    }

    AddedToken byId(int id) {
        return byId.get(id);
    }

    Integer idOfAdded(String content) {
        return byContent.get(content);
    }

    /** All added token contents (the strings split out of the text before tokenization). */
    Set<String> contents() {
        return Collections.unmodifiableSet(byContent.keySet());
    }

    /** transformers' {@code all_special_tokens}. */
    Set<String> allSpecialTokens() {
        return Collections.unmodifiableSet(allSpecialTokens);
    }

    boolean isSpecialId(int id) {
        return allSpecialIds.contains(id);
    }

    /** {@code len(tokenizer)}: distinct entries of the model vocabulary and the added tokens. */
    int totalSize() {
        return totalSize;
    }
}
