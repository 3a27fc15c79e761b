package io.llava4j.model;

/**
 * Options for loading a model.
 * @param visionTower overrides where the vision tower is taken from (original-layout checkpoints), or null
 */
public record LoadOptions(String visionTower) {
    public static LoadOptions defaults() { return new LoadOptions(null); }
}
