package io.llava4j.spark;

import java.io.Serializable;

/**
 * One request of a batch as it travels to an executor: paths and text, never pixels (media are read where the item
 * runs). {@code index} is the item's position in the input; the output keeps that order.
 *
 * @param questionIdJson the question_id exactly as the input wrote it (number or string), as JSON
 * @param image          absolute image path, or null
 * @param video          absolute video path (file or folder of frames), or null
 */
public record BatchItem(int index, String questionIdJson, String questionId, String text, String image, String video)
        implements Serializable {}
