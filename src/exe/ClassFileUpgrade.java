import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites a jar's pre-Java-6 class files (major version below 50) as Java 8 class files with computed stack map
 * frames, byte code unchanged. Why: the JVM's AOT cache and CDS never store a class that needs the old type-inferring
 * verifier ("Skipping ...: Old class has been linked"), so picocli, built for Java 5, was read from its jar and
 * verified on every start. Every rewritten class is then loaded and initialized in a fresh class loader, which
 * links it under the type-checking verifier: a wrong frame fails the build here, never a run.
 *
 * <pre>java -cp ASM_JAR:IN_JAR src/exe/ClassFileUpgrade.java IN_JAR OUT_JAR</pre>
 * Run by build-exe.sh on the executable's copy of the app. Entry order and times are kept (reproducible output).
 */
public class ClassFileUpgrade {
    public static void main(String[] args) throws Exception {
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        List<String> upgraded = new ArrayList<>();
        try (ZipFile zip = new ZipFile(in.toFile());
             ZipOutputStream zos = new ZipOutputStream(Files.newOutputStream(out))) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                byte[] bytes;
                try (InputStream is = zip.getInputStream(entry)) {
                    bytes = is.readAllBytes();
                }
                if (entry.getName().endsWith(".class") && major(bytes) < Opcodes.V1_6) {
                    bytes = upgrade(bytes);
                    upgraded.add(entry.getName().replace('/', '.').substring(0, entry.getName().length() - 6));
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                zos.putNextEntry(copy);
                zos.write(bytes);
                zos.closeEntry();
            }
        }
        verify(out, upgraded);
        System.out.println("class-file-upgrade: " + upgraded.size() + " classes of " + in.getFileName()
                + " rewritten as Java 8 class files and verified");
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
