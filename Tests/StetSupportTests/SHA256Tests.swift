import Foundation
import StetSupport
import XCTest

final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex(of: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testStreamingMatchesOneShot() throws {
        var bytes = [UInt8]()
        for i in 0..<200_003 { bytes.append(UInt8(truncatingIfNeeded: i &* 31 &+ 7)) }
        var h = SHA256()
        h.update(bytes[0..<63]); h.update(bytes[63..<64]); h.update(bytes[64..<100_000]); h.update(bytes[100_000...])
        let streamed = h.finalize().map { String(format: "%02x", $0) }.joined()
        XCTAssertEqual(streamed, SHA256.hex(of: bytes))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID()).bin")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try SHA256.hex(ofFile: url.path), streamed)
    }
}
