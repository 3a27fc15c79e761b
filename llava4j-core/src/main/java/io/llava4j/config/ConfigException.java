package io.llava4j.config;

/** config.json (or another model file) is missing, malformed, or has a value out of range. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) { super(message); }
}
