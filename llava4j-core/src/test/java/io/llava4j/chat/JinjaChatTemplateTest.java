package io.llava4j.chat;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Expected strings were produced with Python Jinja2 3.1 (ImmutableSandboxedEnvironment, trim/lstrip_blocks). */
class JinjaChatTemplateTest {

    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
            + "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
            + "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    static final String CHATML_MULTILINE = """
            {% for message in messages %}
                {% if loop.first and messages[0]['role'] != 'system' %}
                    {{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}
                {% endif %}
                {{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}
            {% endfor %}
            {% if add_generation_prompt %}
                {{ '<|im_start|>assistant\\n' }}
            {% endif %}
            """;

    static final List<Message> MSGS = List.of(Message.system("Be brief."), Message.user(" Hi! "),
            Message.assistant("Hello."), Message.user("Bye"));

    @Test
    void llama2StyleTemplateWithStringContent() {
        JinjaChatTemplate t = new JinjaChatTemplate(LLAMA2, "<s>", "</s>").withStringContent();
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi! [/INST] Hello. </s><s>[INST] Bye [/INST]",
                t.render(MSGS, true));
        assertEquals(List.of("</s>"), t.stopStrings());
    }

    @Test
    void raiseExceptionBecomesChatTemplateException() {
        JinjaChatTemplate t = new JinjaChatTemplate(LLAMA2, "<s>", "</s>").withStringContent();
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(MSGS.subList(2, 4), true));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void trimAndLstripBlocksAsTransformers() {
        JinjaChatTemplate t = new JinjaChatTemplate(CHATML_MULTILINE, null, "<|im_end|>").withStringContent();
        assertEquals("        <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n\n    <|im_start|>user\n Hi! "
                + "<|im_end|>\n\n    <|im_start|>assistant\nHello.<|im_end|>\n\n    <|im_start|>user\nBye<|im_end|>\n\n"
                + "    <|im_start|>assistant\n\n", t.render(MSGS.subList(1, 4), true));
        assertEquals("    <|im_start|>system\nBe brief.<|im_end|>\n\n    <|im_start|>user\n Hi! <|im_end|>\n\n    "
                + "<|im_start|>assistant\nHello.<|im_end|>\n\n    <|im_start|>user\nBye<|im_end|>\n\n",
                t.render(MSGS, false));
    }

    @Test
    void pythonStringMethods() {
        String src = "{{ 'hello wORLD foo'.title() }}|{{ '  x y  '.strip() }}|{{ 'xxhixx'.strip('x') }}|"
                + "{{ 'a,b,,c'.split(',') | join('/') }}|{{ ' a  b '.split() | length }}|{{ 'Abc'.lower() }}"
                + "{{ 'abc'.upper() }}|{% if 'abc'.startswith('ab') %}T{% endif %}|"
                + "{% if 'abc'.endswith(('x','c')) %}T{% endif %}|{{ 'aXbXc'.replace('X','-') }}|"
                + "{{ '-'.join(['1','2']) }}|{{ 'they\\'re'.title() }}|{{ 'hELLO'.capitalize() }}|"
                + "{{ 'a b c'.rsplit(' ', 1) | join('+') }}|{{ messages[0]['role'].upper() + ': ' }}";
        JinjaChatTemplate t = new JinjaChatTemplate(src, null, null);
        assertEquals("Hello World Foo|x y|hi|a/b//c|2|abcABC|T|T|a-b-c|1-2|They'Re|Hello|a b+c|USER: ",
                t.render(List.of(Message.user("q")), false));
    }

    @Test
    void pyStrHelpers() {
        assertEquals("abc", PyStr.strip("\u00a0\t abc \n\u2007", null));
        assertEquals("[a, b]", PyStr.split("  a \t b  ", null, -1).toString());
        assertEquals("[a, b  c ]", PyStr.split("  a b  c ", null, 1).toString());
        assertEquals("[, a, ]", PyStr.split(",a,", ",", -1).toString());
        assertEquals("[a,b, c]", PyStr.rsplit("a,b,c", ",", 1).toString());
        assertEquals("[ a b, c]", PyStr.rsplit(" a b c ", null, 1).toString());
        assertEquals("[a, b, c]", PyStr.splitlines("a\nb\r\nc", false).toString());
        assertEquals("x-y_z", PyStr.replace("x_y_z", "_", "-", 1));
        assertEquals("[INST]", PyStr.lstrip("<s><s>[INST]", "<s>"));
    }

    @Test
    void hfContentPartsAndSpecialTokens() {
        String src = "{{ bos_token }}{% for m in messages %}{{ m['role'] }}:"
                + "{% for c in m['content'] | selectattr('type', 'equalto', 'image') %}<image>{% endfor %}"
                + "{% for c in m['content'] | selectattr('type', 'equalto', 'text') %}[{{ c['text'] }}]{% endfor %}"
                + "{% endfor %}{% if add_generation_prompt %}{{ eos_token }}{% endif %}";
        JinjaChatTemplate t = new JinjaChatTemplate(src, "<s>", "</s>");
        assertEquals("<s>user:<image>[Q?]assistant:[A]</s>",
                t.render(List.of(Message.user("<image>\nQ?"), Message.assistant("A")), true));
        assertEquals("user:[Q]", new JinjaChatTemplate(src, null, null).render(List.of(Message.user("Q")), false));
        Map<String, Object> raw = Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "raw")));
        assertEquals("<s>user:[raw]", t.renderRaw(List.of(raw), false, Map.of()));
    }

    @Test
    void syntaxAndUnknownMethodErrorsThrow() {
        assertThrows(ChatTemplateException.class,
                () -> new JinjaChatTemplate("{% for m in messages %}", null, null).render(List.of(), false));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> new JinjaChatTemplate("{{ 'x'.nosuchmethod() }}", null, null).render(List.of(), false));
        assertTrue(e.getMessage().contains("nosuchmethod"), e.getMessage());
    }
}
