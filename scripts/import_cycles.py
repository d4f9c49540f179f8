#!/usr/bin/env python3
"""Import cycles among the files of src/ (run from the repository root; a prefix such as
`view` limits the report to cycles touching it): every `crate::`, `super::`, `self::` path (and the
names in braces after one) resolved to the file that defines the item, through mod.rs
re-exports. Unit tests (`#[cfg(test)] mod tests`) left out."""
import os,re,sys
root='src'
def modname(path):
    rel=os.path.relpath(path,root)[:-3].split('/')
    if rel[-1] in ('mod','lib','main'): rel=rel[:-1]
    return '::'.join(rel)
files={modname(os.path.join(r,f)):os.path.join(r,f) for r,_,fs in os.walk(root) for f in fs if f.endswith('.rs')}
src={m:re.sub(r'//[^\n]*','',re.sub(r'#\[cfg\(test\)\]\s*mod tests\s*\{.*','',open(p).read(),flags=re.S)) for m,p in files.items()}
defs={}
for m,s in src.items():
    for d in re.finditer(r'\bpub(?:\([^)]*\))?\s+(?:async\s+)?(?:fn|struct|enum|const|static|type|trait|mod)\s+(\w+)',s):
        defs.setdefault(d.group(1),set()).add(m)
def target(base,name):
    if (base+'::'+name).strip(':') in files: return (base+'::'+name).strip(':')
    cands=[m for m in defs.get(name,()) if m==base or m.startswith(base+'::') or base=='']
    return min(cands,key=len) if cands else (base if base in files else None)
def resolve(cur,path):
    parts=path.split('::'); curp=cur.split('::') if cur else []
    if parts[0]=='crate': base=[]; parts=parts[1:]
    elif parts[0]=='super':
        base=curp[:-1]; parts=parts[1:]
        while parts and parts[0]=='super': base=base[:-1]; parts=parts[1:]
    elif parts[0]=='self':
        base=curp if files[cur].endswith('mod.rs') else curp; parts=parts[1:]
    else: return None
    full=base+parts; k=len(base)
    while k<len(full) and '::'.join(full[:k+1]) in files: k+=1
    if k==len(full): return '::'.join(full)
    return target('::'.join(full[:k]),full[k])
edges={}
for cur,s in src.items():
    if files[cur].endswith('mod.rs') or cur in ('lib','main',''): continue
    for m in re.finditer(r'\b((?:crate|super|self)(?:::\w+)*)(?:::\{([^}]*)\})?',s):
        if m.group(1) in ('crate','self','super') and not m.group(2): continue
        paths=[m.group(1)]
        if m.group(2): paths=[m.group(1)+'::'+n.split('::')[0] for n in re.split(r'\s*,\s*',m.group(2).strip()) if n and n!='self']
        for pth in paths:
            t=resolve(cur,pth)
            if t and t!=cur: edges.setdefault(cur,set()).add(t)
prefix=sys.argv[1] if len(sys.argv)>1 else ''
sys.setrecursionlimit(10000)
index={};low={};st=[];on=set();sccs=[];c=[0]
def sc(v):
    index[v]=low[v]=c[0];c[0]+=1;st.append(v);on.add(v)
    for w in edges.get(v,()):
        if w not in index: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],index[w])
    if low[v]==index[v]:
        comp=[]
        while True:
            w=st.pop();on.discard(w);comp.append(w)
            if w==v: break
        if len(comp)>1: sccs.append(comp)
for v in list(edges):
    if v not in index: sc(v)
n=0
for comp in sccs:
    if any(m.startswith(prefix) for m in comp):
        n+=1; print('cycle:',sorted(comp))
        for a in sorted(comp): print('  ',a,'->',sorted(t for t in edges.get(a,()) if t in comp))
print(n,'cycles among files under',prefix or 'src')
if len(sys.argv)>2: print(sorted(edges.get(sys.argv[2],())))
