# Python model of the STeP simulator semantics (simulator/docs/step-perf-semantics.md)
# for the HDL-validation SwiGLU sweep; reproduces its 15 published cycle counts.
# Run: python3 simulator/docs/reference_model.py  (about 30 s). Our C++ engine is
# checked against the same figures; this model is the readable statement of the rules.
# Prototype re-implementation of step-perf/DAM semantics for the HDL SwiGLU sweep.
import heapq, math, sys
from collections import deque
def cdiv(a,b): return -(-a//b)
INF=None
class Chan:
    def __init__(s,cap,name=""):
        s.cap=cap; s.q=deque(); s.deq=[]; s.sent=0; s.closed=False; s.name=name
class Ctx:
    def __init__(s,name,gen_fn,is_hbm=False):
        s.name=name; s.t=0; s.gen=gen_fn(s); s.op=None; s.done=False; s.is_hbm=is_hbm; s.ret=None
def credit_time(ch):
    # time at which a slot for the next send is available (None => blocked)
    if ch.cap is None or ch.sent < ch.cap: return 0
    k=ch.sent-ch.cap
    if len(ch.deq)>k: return ch.deq[k]+1
    return None
def can_run(c):
    op=c.op
    if op is None: return True
    k=op[0]
    if k in('deq','peek'):
        ch=op[1]; return len(ch.q)>0 or ch.closed
    if k in('enq','wait'):
        return credit_time(op[1]) is not None
    return True
def run_op(c):
    op=c.op; k=op[0]
    if k=='deq' or k=='peek':
        ch=op[1]
        if not ch.q: return None
        et,d=ch.q[0]
        c.t=max(c.t,et)
        if k=='deq':
            ch.q.popleft(); ch.deq.append(c.t)
        return (et,d)
    if k=='wait':
        c.t=max(c.t,credit_time(op[1])); return None
    if k=='enq':
        ch,rt,d=op[1],op[2],op[3]
        c.t=max(c.t,credit_time(ch))
        ch.q.append((max(rt,c.t+1),d)); ch.sent+=1; return None
    if k=='incr':
        c.t+=op[1]; return None
    raise Exception(k)
def simulate(ctxs, chan_owner):
    # chan_owner: chan -> producing ctx (to mark closed on finish)
    for c in ctxs: c.op=next(c.gen)
    while True:
        cand=[c for c in ctxs if not c.done and can_run(c)]
        if not cand: break
        c=min(cand,key=lambda x:(x.t,x.is_hbm))
        r=run_op(c)
        try: c.op=c.gen.send(r)
        except StopIteration:
            c.done=True
            for ch,o in chan_owner.items():
                if o is c: ch.closed=True
    stuck=[c.name for c in ctxs if not c.done]
    if stuck: print("STUCK",stuck,file=sys.stderr)
    return max(c.t for c in ctxs)

def build(tm,tn,B=64,D=256,F=512,nb=4,PMU=256,BW=4096,depth=1,par=4,nch=8,lat=2,ii=2,su=14,tri=True):
    M=B//tm; N=F//tn
    chans={}; owner={}
    def ch(name,cap): c=Chan(cap,name); chans[name]=c; return c
    ctxs=[]
    # element = (stop, tile) tile=(rows,cols,read_from_mu)
    def reqs(r,cdim): return r*cdiv(cdim*nb,64)
    def gen_load(seq, out, addr, resp):
        def g(c):
            for (stop,tile) in seq:
                R=reqs(tile[0],tile[1]); t0=c.t
                nchunk=cdiv(R,par)
                for i in range(nchunk):
                    n=min(par,R-i*par)
                    yield ('enq',addr,t0+i,n)
                for _ in range(R):
                    yield ('deq',resp)
                yield ('enq',out,c.t,(stop,tile))
        return g
    in_seq=[];wg_seq=[];wd_seq=[]
    for m in range(M):
        for n in range(N):
            s=1+(n==N-1)+(n==N-1 and m==M-1)
            in_seq.append((s,(tm,D,True))); wg_seq.append((s,(D,tn,True)))
            sd=0 if n<N-1 else 2+(m==M-1)
            wd_seq.append((sd,(tn,D,True)))
    readers=[];writers=[]
    def mk_load(name,seq):
        out=ch(name+".out",depth); a=ch(name+".addr",None); r=ch(name+".resp",None)
        cx=Ctx(name,gen_load(seq,out,a,r)); ctxs.append(cx); owner[out]=cx; owner[a]=cx
        readers.append((a,r)); return out
    lin=mk_load("ld_in",in_seq); lwg=mk_load("ld_wg",wg_seq); lwu=mk_load("ld_wu",wg_seq); lwd=mk_load("ld_wd",wd_seq)
    # broadcast
    b0=ch("bc0",depth); b1=ch("bc1",depth)
    def g_bc(c):
        while True:
            e=yield ('deq',lin)
            if e is None: return
            yield ('wait',b0); yield ('wait',b1)
            yield ('enq',b0,c.t,e[1]); yield ('enq',b1,c.t,e[1])
    cx=Ctx("bcast",g_bc); ctxs.append(cx); owner[b0]=cx; owner[b1]=cx
    def tbytes(tile): return tile[0]*tile[1]*nb
    def g_bma(in1,in2,out,rank,wb,acc_shape,kind):
        def g(c):
            while True:
                e1=yield ('peek',in1); e2=yield ('peek',in2)
                if e1 is None or e2 is None: return
                (s1,t1),(s2,t2)=e1[1],e2[1]; assert s1==s2,(kind,s1,s2)
                load=(cdiv(tbytes(t1),PMU) if t1[2] else 0)+(cdiv(tbytes(t2),PMU) if t2[2] else 0)
                comp=cdiv(2*t1[0]*t1[1]*t2[1],BW)
                emit = s1>=rank
                store=cdiv(acc_shape[0]*acc_shape[1]*nb,PMU) if (emit and wb) else 0
                yield ('incr',max(load,comp,store))
                yield ('deq',in1); yield ('deq',in2)
                if emit:
                    yield ('enq',out,c.t,(s1-rank,(acc_shape[0],acc_shape[1],wb)))
        return g
    og=ch("gate.out",depth); ou=ch("up.out",depth)
    cx=Ctx("bma_gate",g_bma(b0,lwg,og,1,False,(tm,tn),'g')); ctxs.append(cx); owner[og]=cx
    cx=Ctx("bma_up",g_bma(b1,lwu,ou,1,False,(tm,tn),'u')); ctxs.append(cx); owner[ou]=cx
    osl=ch("silu.out",depth)
    def g_silu(c):
        while True:
            e=yield ('peek',og)
            if e is None: return
            s,t=e[1]
            load=cdiv(tbytes(t),PMU) if t[2] else 0
            comp=cdiv(8*t[0]*t[1],BW)
            yield ('incr',max(load,comp))
            yield ('enq',osl,c.t,(s,(t[0],t[1],False)))
            yield ('deq',og)
    cx=Ctx("silu",g_silu); ctxs.append(cx); owner[osl]=cx
    om=ch("mul.out",depth)
    def g_mul(c):
        while True:
            e1=yield ('peek',osl); e2=yield ('peek',ou)
            if e1 is None: return
            (s1,t1),(s2,t2)=e1[1],e2[1]; assert s1==s2
            load=(cdiv(tbytes(t1),PMU) if t1[2] else 0)+(cdiv(tbytes(t2),PMU) if t2[2] else 0)
            comp=cdiv(t1[0]*t1[1],BW)
            yield ('incr',max(load,comp))
            yield ('enq',om,c.t,(s1,(t1[0],t1[1],False)))
            yield ('deq',osl); yield ('deq',ou)
    cx=Ctx("mul",g_mul); ctxs.append(cx); owner[om]=cx
    orsh=ch("reshape.out",depth)
    def g_rsh(c):
        while True:
            e=yield ('deq',om)
            if e is None: return
            s,t=e[1]
            yield ('enq',orsh,c.t,((s+1) if s>=1 else 0,t))
    cx=Ctx("reshape",g_rsh); ctxs.append(cx); owner[orsh]=cx
    od=ch("down.out",depth)
    cx=Ctx("bma_down",g_bma(orsh,lwd,od,1,True,(tm,D),'d')); ctxs.append(cx); owner[od]=cx
    # store
    sa=ch("st.addr",None); sr=ch("st.resp",None); writers.append((sa,sr))
    def g_st(c):
        while True:
            e=yield ('peek',od)
            if e is None: return
            s,t=e[1]; R=reqs(t[0],t[1]); t0=c.t
            for i in range(cdiv(R,par)):
                yield ('enq',sa,t0+i,min(par,R-i*par))
            for _ in range(R): yield ('deq',sr)
            yield ('deq',od)
    cx=Ctx("store",g_st); ctxs.append(cx); owner[sa]=cx
    # HBM channels
    hreq=[ch(f"h{i}.req",None) for i in range(nch)]; hrsp=[ch(f"h{i}.rsp",None) for i in range(nch)]
    def g_hch(i):
        def g(c):
            while True:
                e=yield ('deq',hreq[i])
                if e is None or e[1]=='DONE': return
                who=e[1]
                c_resp=c.t+su+lat
                yield ('enq',hrsp[i],c_resp,who)
                yield ('incr',ii)
        return g
    for i in range(nch):
        cx=Ctx(f"hch{i}",g_hch(i)); ctxs.append(cx); owner[hrsp[i]]=cx
    bundles=[('r',j,a,r) for j,(a,r) in enumerate(readers)]+[('w',j,a,r) for j,(a,r) in enumerate(writers)]
    def g_hbm(c):
        off=0
        while True:
            T=c.t
            if all(a.closed and not a.q for (_,_,a,_) in bundles): break
            for i in range(nch):
                q=hrsp[i].q
                if q and q[0][0]<=T:
                    _,who=q.popleft(); hrsp[i].deq.append(T)
                    yield ('enq',who,T,1)
            reqlist=[]
            for (_,_,a,r) in bundles:
                if a.q and a.q[0][0]<=T:
                    _,n=a.q.popleft(); a.deq.append(T)
                    reqlist += [r]*n
            L=len(reqlist)
            for i,who in enumerate(reqlist):
                if tri: off=(off+i)%nch
                else: off=(off+ (1 if i>0 else 0))%nch
                yield ('enq',hreq[i if False else off],T,who)
            if tri: off=(off+L)%nch
            else: off=(off+1)%nch
            yield ('incr',1)
        for i in range(nch): yield ('enq',hreq[i],c.t,'DONE')
    hb=Ctx("hbm",g_hbm,is_hbm=True); ctxs.append(hb)
    for i in range(nch): owner[hreq[i]]=hb
    for (_,_,a,r) in bundles: owner[r]=hb
    return ctxs,owner

if __name__=="__main__":
    ref={16:[33289,29400,27503,26993,27509],32:[21223,17097,15277,14773,15305],64:[15218,11188,9537,9260,11088]}
    tri = (sys.argv[1]!='rr') if len(sys.argv)>1 else True
    for tm in (16,32,64):
        row=[]
        for j,tn in enumerate((16,32,64,128,256)):
            ctxs,owner=build(tm,tn,tri=tri)
            cyc=simulate(ctxs,owner)
            row.append((tn,cyc,ref[tm][j],round(100*(cyc-ref[tm][j])/ref[tm][j],2)))
        print(tm,row,flush=True)
