import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Properties;

import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

/**
 * Kafka's own answers for test/principal-mapper-java.test.ts, one JVM for the whole table.
 * Run: java -cp kafka-clients-<v>.jar Mapper.java  (JDK 11+ source-file mode).
 *
 * stdin, one request per line, arguments base64 (UTF-8), tab-separated:
 *   dn     <cert.pem>              X509Certificate.getSubjectX500Principal().getName()
 *   rules  <rules>                 SslPrincipalMapper.fromRules(rules) (parse only): "ok"
 *   map    <rules> <dn>            SslPrincipalMapper.fromRules(rules).getName(dn)
 *   prop   <file> <key>            Properties.load(InputStream) — as Kafka's Utils.loadProps reads server.properties
 * stdout, one line per request: OK <result as hex UTF-16 code units> | ERR <exception class> <base64 message>
 * (hex: a replaceAll can split a surrogate pair, and every charset encoder would hide that as '?').
 */
public class Mapper {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        CertificateFactory certificates = CertificateFactory.getInstance("X.509");
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            String[] fields = line.split("\t", -1);
            String op = fields[0];
            String a = fields.length > 1 ? decode(fields[1]) : null;
            String b = fields.length > 2 ? decode(fields[2]) : null;
            try {
                String result;
                switch (op) {
                    case "dn":
                        try (InputStream cert = new FileInputStream(a)) {
                            result = ((X509Certificate) certificates.generateCertificate(cert)).getSubjectX500Principal().getName();
                        }
                        break;
                    case "rules":
                        SslPrincipalMapper.fromRules(a);
                        result = "ok";
                        break;
                    case "map":
                        result = SslPrincipalMapper.fromRules(a).getName(b);
                        break;
                    case "prop":
                        Properties properties = new Properties();
                        try (InputStream file = new FileInputStream(a)) {
                            properties.load(file);
                        }
                        result = properties.getProperty(b);
                        if (result == null) throw new IllegalStateException("no " + b + " in " + a);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown request " + op);
                }
                StringBuilder units = new StringBuilder();
                for (char c : result.toCharArray()) units.append(String.format("%04x", (int) c));
                System.out.println("OK\t" + units);
            } catch (Exception e) {
                System.out.println("ERR\t" + e.getClass().getName() + "\t" + encode(String.valueOf(e.getMessage())));
            }
        }
    }

    private static String decode(String field) {
        return new String(Base64.getDecoder().decode(field), StandardCharsets.UTF_8);
    }

    private static String encode(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }
}
