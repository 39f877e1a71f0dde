package dev.voiceagent.testkit.twilio;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

/** The TwiML verbs the simulator understands, parsed from a {@code <Response>} document. */
public record Twiml(List<Verb> verbs) {

    /** One TwiML verb. */
    public sealed interface Verb {
        /** {@code <Connect><Stream url>} with its {@code <Parameter>} children (a two-way media stream). */
        record ConnectStream(String url, Map<String, String> parameters) implements Verb {
        }

        /** {@code <Say>}. */
        record Say(String text) implements Verb {
        }

        /** {@code <Dial>} to a number (or its first {@code <Number>}, {@code <Client>}, {@code <Sip>}). */
        record Dial(String target) implements Verb {
        }

        /** {@code <Hangup>}. */
        record Hangup() implements Verb {
        }

        /** Any other verb, recorded by name. */
        record Other(String name) implements Verb {
        }
    }

    public Twiml {
        verbs = List.copyOf(verbs);
    }

    /** Parses TwiML; throws {@link IllegalArgumentException} when it is not a {@code <Response>} document. */
    public static Twiml parse(String xml) {
        Element root;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            root = factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml))).getDocumentElement();
        } catch (Exception e) {
            throw new IllegalArgumentException("not TwiML: " + e.getMessage(), e);
        }
        if (!"Response".equals(root.getTagName())) {
            throw new IllegalArgumentException("TwiML root must be <Response>, not <" + root.getTagName() + ">");
        }
        List<Verb> verbs = new ArrayList<>();
        for (Element verb : children(root)) {
            verbs.add(verb(verb));
        }
        return new Twiml(verbs);
    }

    /** The first {@code <Connect><Stream>}, if any. */
    public Optional<Verb.ConnectStream> stream() {
        return verbs.stream().filter(Verb.ConnectStream.class::isInstance).map(Verb.ConnectStream.class::cast).findFirst();
    }

    /** The first {@code <Dial>}, if any. */
    public Optional<Verb.Dial> dial() {
        return verbs.stream().filter(Verb.Dial.class::isInstance).map(Verb.Dial.class::cast).findFirst();
    }

    private static Verb verb(Element element) {
        switch (element.getTagName()) {
            case "Connect":
                return children(element).stream().filter(child -> "Stream".equals(child.getTagName())).findFirst()
                        .<Verb>map(Twiml::stream).orElse(new Verb.Other("Connect"));
            case "Say":
                return new Verb.Say(element.getTextContent().trim());
            case "Dial":
                List<Element> nouns = children(element);
                return new Verb.Dial((nouns.isEmpty() ? element : nouns.get(0)).getTextContent().trim());
            case "Hangup":
                return new Verb.Hangup();
            default:
                return new Verb.Other(element.getTagName());
        }
    }

    private static Verb stream(Element stream) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (Element child : children(stream)) {
            if ("Parameter".equals(child.getTagName())) {
                parameters.put(child.getAttribute("name"), child.getAttribute("value"));
            }
        }
        return new Verb.ConnectStream(stream.getAttribute("url"), Collections.unmodifiableMap(parameters));
    }

    private static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element) {
                out.add(element);
            }
        }
        return out;
    }
}
