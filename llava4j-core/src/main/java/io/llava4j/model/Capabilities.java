package io.llava4j.model;

/** What a loaded model accepts; CLI and server ask these instead of checking families. */
public record Capabilities(boolean images, boolean videos, boolean multipleImages, boolean imagesAndVideosTogether) {}
