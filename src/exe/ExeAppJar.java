import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Makes the executable's app jar out of Quarkus's uber-jar, in one pass over its entries:
 * <ul>
 * <li><b>Pre-Java-6 class files</b> (major version below 50) become Java 8 class files with computed stack map frames,
 * byte code unchanged. The JVM's AOT cache and CDS never store a class that needs the old type-inferring verifier
 * ("Skipping ...: Old class has been linked"), so picocli, built for Java 5, was read and verified on every start.
 * Every rewritten class is then loaded and initialized in a fresh class loader, which links it under the
 * type-checking verifier: a wrong frame fails the build here, never a run.</li>
 * <li><b>{@code application.properties} moves into a jar of its own</b>, which the app jar's manifest names in
 * {@code Class-Path}. SmallRye Config reads that file through a zip file system of the jar holding it, and opening
 * the 30,000-entry app jar that way took longer than all the rest of the config (measured in docs/executable.md).</li>
 * </ul>
 * Why one jar at all: resource lookups the JVM's class loader cannot answer from its cache (every ServiceLoader)
 * open every jar on the class path; with Quarkus's aot-jar that was 187 jars, opened on every start.
 *
 * <pre>java -cp ASM_JAR:IN_JAR src/exe/ExeAppJar.java IN_JAR OUT_JAR CONFIG_JAR</pre>
 * Run by build-exe.sh; CONFIG_JAR must sit beside OUT_JAR. Entry order and times are kept (reproducible output).
 */
public class ExeAppJar {
    /** The one resource that moves: SmallRye Config's classpath source. */
    static final String CONFIG = "application.properties";

    public static void main(String[] args) throws Exception {
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Path config = Path.of(args[2]);
        if (!out.toAbsolutePath().getParent().equals(config.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException(config + " must sit beside " + out + ": the manifest names it by its file name");
        }
        List<String> upgraded = new ArrayList<>();
        boolean moved = false;
        try (ZipFile zip = new ZipFile(in.toFile());
             ZipOutputStream zos = new ZipOutputStream(Files.newOutputStream(out));
             ZipOutputStream conf = new ZipOutputStream(Files.newOutputStream(config))) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                byte[] bytes;
                try (InputStream is = zip.getInputStream(entry)) {
                    bytes = is.readAllBytes();
                }
                ZipOutputStream target = zos;
                if (entry.getName().equals(CONFIG)) {
                    target = conf;
                    moved = true;
                } else if (entry.getName().equals(JarFile.MANIFEST_NAME)) {
                    bytes = withClassPath(bytes, config.getFileName().toString());
                } else if (entry.getName().endsWith(".class") && major(bytes) < Opcodes.V1_6) {
                    bytes = upgrade(bytes);
                    upgraded.add(entry.getName().replace('/', '.').substring(0, entry.getName().length() - 6));
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                target.putNextEntry(copy);
                target.write(bytes);
                target.closeEntry();
            }
        }
        if (!moved) {
            throw new IllegalStateException(in + " holds no " + CONFIG + ": is it Quarkus's uber-jar?");
        }
        verify(out, upgraded);
        System.out.println("exe-app-jar: " + upgraded.size() + " classes of " + in.getFileName()
                + " rewritten as Java 8 class files and verified; " + CONFIG + " moved to " + config.getFileName());
    }

    /** The manifest with {@code Class-Path} naming only the config jar (the uber-jar's own is empty). */
    private static byte[] withClassPath(byte[] manifest, String configJar) throws IOException {
        Manifest m = new Manifest(new ByteArrayInputStream(manifest));
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, configJar);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.write(out);
        return out.toByteArray();
    }

    private static int major(byte[] classFile) {
        return ((classFile[6] & 0xff) << 8) | (classFile[7] & 0xff);
    }

    private static byte[] upgrade(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        // COMPUTE_FRAMES looks up common super classes through this tool's class path, which holds the input jar.
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName,
                    String[] interfaces) {
                super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
            }
        }, ClassReader.SKIP_FRAMES);
        return writer.toByteArray();
    }

    /** Links (and initializes) every rewritten class with nothing else from the old jar in reach. */
    private static void verify(Path jar, List<String> classes) throws IOException {
        try (URLClassLoader loader = new URLClassLoader(new URL[] { jar.toUri().toURL() },
                ClassLoader.getPlatformClassLoader())) {
            for (String name : classes) {
                try {
                    Class.forName(name, true, loader);
                } catch (VerifyError | ClassFormatError e) {
                    throw new IllegalStateException(name + " does not verify after the rewrite: " + e, e);
                } catch (ClassNotFoundException | LinkageError e) {
                    // Linked and verified; what its static initializer or an optional dependency does is not ours.
                }
            }
        }
    }
}
