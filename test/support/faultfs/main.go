// faultfs: a passthrough FUSE filesystem whose writes fail with EIO on
// command, for the spool's disk-fault tests (test/e2e/spool-faults.test.ts).
// The kernel here has no device-mapper (no dm "error"/"flakey" target), so a
// device that fails writes is played by this: every write, fsync, create,
// truncate, rename, unlink and mkdir under the mount point fails with EIO
// while failing; reads always succeed (dm-flakey's error_writes behaves so).
//
//	faultfs <backing-dir> <mount-point>
//
// Prints "READY" once mounted, then reads commands from stdin, one a line,
// answering "OK": "fail" (writes fail from now on), "ok" (writes succeed
// again). Unmounts and exits when stdin closes or on SIGTERM/SIGINT.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

var failing atomic.Bool

func fault() syscall.Errno {
	if failing.Load() {
		return syscall.EIO
	}
	return 0
}

// loopFile is what go-fuse's loopback file handle implements and this
// filesystem passes on.
type loopFile interface {
	fs.FileHandle
	fs.FileReader
	fs.FileWriter
	fs.FileFsyncer
	fs.FileFlusher
	fs.FileReleaser
	fs.FileGetattrer
	fs.FileSetattrer
	fs.FileAllocater
	fs.FileLseeker
}

type faultFile struct{ loopFile }

func (f *faultFile) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if e := fault(); e != 0 {
		return 0, e
	}
	return f.loopFile.Write(ctx, data, off)
}

func (f *faultFile) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if e := fault(); e != 0 {
		return e
	}
	return f.loopFile.Fsync(ctx, flags)
}

func (f *faultFile) Setattr(ctx context.Context, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if e := fault(); e != 0 {
		return e
	}
	return f.loopFile.Setattr(ctx, in, out)
}

func (f *faultFile) Allocate(ctx context.Context, off uint64, size uint64, mode uint32) syscall.Errno {
	if e := fault(); e != 0 {
		return e
	}
	return f.loopFile.Allocate(ctx, off, size, mode)
}

func wrap(h fs.FileHandle) fs.FileHandle {
	if h == nil {
		return nil
	}
	lf, ok := h.(loopFile)
	if !ok {
		panic(fmt.Sprintf("faultfs: go-fuse's loopback file %T lacks a method this filesystem passes on", h))
	}
	return &faultFile{lf}
}

type faultNode struct{ fs.LoopbackNode }

func (n *faultNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_TRUNC) != 0 {
		if e := fault(); e != 0 {
			return nil, 0, e
		}
	}
	h, fl, e := n.LoopbackNode.Open(ctx, flags)
	return wrap(h), fl, e
}

func (n *faultNode) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if e := fault(); e != 0 {
		return nil, nil, 0, e
	}
	inode, h, fl, e := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	return inode, wrap(h), fl, e
}

func (n *faultNode) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if e := fault(); e != 0 {
		return e
	}
	return n.LoopbackNode.Setattr(ctx, f, in, out)
}

func (n *faultNode) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if e := fault(); e != 0 {
		return nil, e
	}
	return n.LoopbackNode.Mkdir(ctx, name, mode, out)
}

func (n *faultNode) Unlink(ctx context.Context, name string) syscall.Errno {
	if e := fault(); e != 0 {
		return e
	}
	return n.LoopbackNode.Unlink(ctx, name)
}

func (n *faultNode) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if e := fault(); e != 0 {
		return e
	}
	return n.LoopbackNode.Rename(ctx, name, newParent, newName, flags)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: faultfs <backing-dir> <mount-point>")
		os.Exit(2)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(os.Args[1], &st); err != nil {
		fmt.Fprintf(os.Stderr, "faultfs: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	root := &fs.LoopbackRoot{Path: os.Args[1], Dev: uint64(st.Dev)}
	root.NewNode = func(data *fs.LoopbackRoot, _ *fs.Inode, _ string, _ *syscall.Stat_t) fs.InodeEmbedder {
		return &faultNode{fs.LoopbackNode{RootData: data}}
	}
	rootNode := root.NewNode(root, nil, "", &st)
	root.RootNode = rootNode
	server, err := fs.Mount(os.Args[2], rootNode, &fs.Options{
		MountOptions: fuse.MountOptions{FsName: "faultfs", Name: "faultfs", DirectMount: os.Geteuid() == 0},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "faultfs: mount %s: %v\n", os.Args[2], err)
		os.Exit(1)
	}
	stop := func() {
		if err := server.Unmount(); err != nil {
			fmt.Fprintf(os.Stderr, "faultfs: unmount: %v\n", err)
		}
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		stop()
	}()
	go func() {
		fmt.Println("READY")
		lines := bufio.NewScanner(os.Stdin)
		for lines.Scan() {
			switch lines.Text() {
			case "fail":
				failing.Store(true)
				fmt.Println("OK")
			case "ok":
				failing.Store(false)
				fmt.Println("OK")
			default:
				fmt.Println("ERR unknown command")
			}
		}
		stop()
	}()
	server.Wait()
}
