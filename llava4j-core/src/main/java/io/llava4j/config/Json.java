package io.llava4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads config.json-style files and typed fields with defaults; bad values fail with the key and the value. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    public static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The file's JSON, or a MissingNode when the file does not exist. */
    public static JsonNode readOptional(Path file) {
        return Files.exists(file) ? read(file) : MissingNode.getInstance();
    }

    public static int intField(JsonNode node, String key, int dflt, int min, int max) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new ConfigException("config field '" + key + "' must be an integer, got " + v);
        int x = v.asInt();
        if (x < min || x > max) throw new ConfigException("config field '" + key + "' = " + x + " is out of range [" + min + ", " + max + "]");
        return x;
    }

    public static int requireInt(JsonNode node, String key, int min, int max) {
        if (!node.has(key) || node.get(key).isNull()) throw new ConfigException("config field '" + key + "' is missing");
        return intField(node, key, 0, min, max);
    }

    public static double doubleField(JsonNode node, String key, double dflt, double min, double max) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw new ConfigException("config field '" + key + "' must be a number, got " + v);
        double x = v.asDouble();
        if (!(x >= min && x <= max)) throw new ConfigException("config field '" + key + "' = " + x + " is out of range [" + min + ", " + max + "]");
        return x;
    }

    public static String stringField(JsonNode node, String key, String dflt) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw new ConfigException("config field '" + key + "' must be a string, got " + v);
        return v.asText();
    }

    public static boolean boolField(JsonNode node, String key, boolean dflt) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new ConfigException("config field '" + key + "' must be true or false, got " + v);
        return v.asBoolean();
    }
}
