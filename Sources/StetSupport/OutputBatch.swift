import Foundation
import StetSupport

/// Several outputs that appear together or not at all: each is written to a temporary sibling,
/// and only when all are written are they renamed into place. A folder this batch had to
/// create is removed again if the batch is discarded.
public final class OutputBatch {
    private var pending: [(tmp: String, final: String)] = []
    private let createdFolder: String?

    public init(folder: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) {
            guard isDir.boolValue else { throw StetError.output(folder, "is a file, not a folder") }
            createdFolder = nil
        } else {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw StetError.output(folder, "cannot create folder")
            }
            createdFolder = folder
        }
    }

    /// A temporary sibling of `final`, registered so that commit renames it and discard removes
    /// it; the caller writes it.
    public func reserve(_ final: String) throws -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: final, isDirectory: &isDir), isDir.boolValue {
            throw StetError.output(final, "is a folder")
        }
        let tmp = SafeOutput.temporaryPath(for: final)
        pending.append((tmp, final))
        return tmp
    }

    /// Writes one output to a temporary sibling of `final`; returns the temporary path.
    @discardableResult
    public func add(_ final: String, _ write: (String) throws -> Void) throws -> String {
        let tmp = try reserve(final)
        try write(tmp)
        return tmp
    }

    public func commit() throws {
        for (tmp, final) in pending {
            guard rename(tmp, final) == 0 else {
                let reason = String(cString: strerror(errno))
                throw StetError.output(final, "cannot be renamed into place: \(reason)")
            }
        }
        pending.removeAll()
    }

    public func discard() {
        for (tmp, _) in pending { unlink(tmp) }
        pending.removeAll()
        if let createdFolder { try? FileManager.default.removeItem(atPath: createdFolder) }
    }

    /// An image and its JSON sidecar (a grid's map, a clip sheet's), written together or not at
    /// all, into folders that exist. `save` writes the image to the temporary path it is given;
    /// an error naming that temporary file is re-addressed to `image`.
    /// `extra`: more sidecars (path, bytes) that go with them (a clip sheet's WebVTT track).
    public static func imageWithSidecar(_ image: String, sidecar: String, json: Data, extra: [(String, Data)] = [],
                                        save: (String) throws -> Void) throws {
        let batch = try OutputBatch(folder: FilePath.parent(image).isEmpty ? "." : FilePath.parent(image))
        let imageTmp = try batch.reserve(image)
        let sidecars = try ([(sidecar, json)] + extra).map { (path: $0.0, tmp: try batch.reserve($0.0), data: $0.1) }
        do {
            try save(imageTmp)
            for s in sidecars {
                guard FileManager.default.createFile(atPath: s.tmp, contents: s.data) else {
                    throw StetError.output(s.path, "cannot be written")
                }
            }
            try batch.commit()
        } catch {
            batch.discard()
            throw SafeOutput.outputError(error, temporary: imageTmp, path: image)
        }
    }
}
