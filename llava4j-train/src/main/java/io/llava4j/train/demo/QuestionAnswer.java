package io.llava4j.train.demo;

/**
 * One question about a scene with its reference answer (a short sentence) and the word a right answer must contain
 * ({@code expected}: a colour, shape, number, position or size word; for DESCRIBE the whole reference sentence).
 */
public record QuestionAnswer(QuestionType type, String question, String answer, String expected) {}
