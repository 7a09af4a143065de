package io.logitnet.data;

import io.logitnet.InvalidDataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Issue 10 item 7: formats by content (gzip header, IDX magic), never by the file name. */
class DataFormatTest {
    @TempDir
    Path dir;

    private static final byte[] IDX = {0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9};

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void aCsvWithIdxInItsNameIsCsv() throws IOException {
        Path f = write("rapidxray.csv", "a,idx\n1,2\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(DataFormat.CSV, DataFormat.detect(f));
        assertEquals(DataFormat.CSV, DataFormat.detect(write("train-images-idx3-ubyte.csv",
                "x,y\n1,2\n".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void gzipAndIdxByTheirBytes() throws IOException {
        assertEquals(DataFormat.CSV_GZIP, DataFormat.detect(write("data.csv",
                CsvReaderTest.gzip("a,b\n1,2\n".getBytes(StandardCharsets.UTF_8)))));
        assertEquals(DataFormat.IDX, DataFormat.detect(write("labels.bin", IDX)));
        assertEquals(DataFormat.IDX_GZIP, DataFormat.detect(write("labels", CsvReaderTest.gzip(IDX))));
        assertEquals(DataFormat.CSV, DataFormat.detect(write("empty.csv", new byte[0])));
        assertEquals(true, DataFormat.IDX_GZIP.compressed());
        assertEquals(true, DataFormat.IDX_GZIP.isIdx());
        assertEquals(false, DataFormat.CSV_GZIP.isIdx());
    }

    @Test
    void idxReaderDecompressesByContent() throws IOException {
        IdxReader.IdxArray a = IdxReader.read(write("labels-no-extension", CsvReaderTest.gzip(IDX)));
        assertArrayEquals(new int[] {3}, a.dims());
        assertArrayEquals(new int[] {7, 8, 9}, a.values());
        assertArrayEquals(new int[] {7, 8, 9}, IdxReader.read(write("plain.idx", IDX)).values());
    }

    @Test
    void aGzNameOnBytesThatAreNotGzipIsADamagedFile() throws IOException {
        Path f = write("labels.idx.gz", IDX);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> IdxReader.read(f));
        assertEquals(f.toString(), e.source());
    }
}
