// The `pc zmumu` analysis (validation/zmumu_reference.py) in ROOT RDataFrame, compiled C++.
//
// Built with ACLiC (+O) and run with implicit MT off (1 thread) by bench/zmumu_bench.py:
//   root.exe -l -b -q -e 'gSystem->SetBuildDir("CACHE/aclic", true);' \
//       'bench/zmumu_rdf.C+O("FILE.root", "OUT.json", 6077.22, 0)'
// Typed lambdas only: no JIT strings in the event loop.  All actions are booked first, then
// one event loop runs (triggered by the first GetValue).
//
// MC only (the benchmark file is MC): the skim uses the 2018 MC event flags and no golden JSON
// lumi mask (data would add Flag_eeBadScFilter and the golden JSON).
// Histograms are NOT normalised: the JSON holds the raw sums of genWeight*lumi*xsec per bin
// (under/overflow included) and sum_genweights; the comparison divides by it.
//
// Numerical conventions follow the reference: float32 branch vs threshold compared in float32
// (e.g. `iso < 0.06f`), etaSC / Delta R / dimuon mass / weights in float64.
// Only the entry point's declaration is visible to cling (rootcling and the dictionary payload
// that is parsed when the library is loaded): without this guard, loading the ACLiC library makes
// cling parse the whole macro and instantiate the RDataFrame templates again, which costs ~4.5 s of
// start-up per process here; the compiled code is the same.
void zmumu_rdf(const char *file, const char *outJson, double xsec = 6077.22, int nThreads = 0);
#if !defined(__CLING__)
#include <ROOT/RDataFrame.hxx>
#include <ROOT/RVec.hxx>
#include <TH1.h>
#include <TH1D.h>
#include <TROOT.h>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace zmumu_bench {

using RVecF = ROOT::RVec<float>;
using RVecI = ROOT::RVec<int>;
using RVecB = ROOT::RVec<bool>;
using Idx = ROOT::RVec<unsigned>;

constexpr double kLumi2018 = 59832.47534; // pb^-1
constexpr double kPi = 3.14159265358979323846;

// numpy's np.mod for floats (result has the sign of the divisor)
inline double NpMod(double a, double b)
{
   double m = std::fmod(a, b);
   if (m != 0.0) {
      if ((b < 0) != (m < 0)) m += b;
   } else {
      m = std::copysign(0.0, b);
   }
   return m;
}

inline double DeltaR(float eta1, float phi1, float eta2, float phi2)
{
   double dphi = (double)phi1 - (double)phi2;
   dphi = NpMod(dphi + kPi, 2 * kPi) - kPi;
   const double deta = (double)eta1 - (double)eta2;
   return std::sqrt(deta * deta + dphi * dphi);
}

struct Dilepton {
   double mass = 0.;
   int charge = 0;
   bool valid = false; // >= 2 good muons
};

inline void P4(float pt_, float eta_, float phi_, float m_, double &px, double &py, double &pz, double &e)
{
   const double pt = pt_, eta = eta_, phi = phi_, m = m_;
   px = pt * std::cos(phi);
   py = pt * std::sin(phi);
   pz = pt * std::sinh(eta);
   e = std::sqrt(px * px + py * py + pz * pz + m * m);
}

struct HDef {
   const char *name;
   int nbins;
   double lo, hi;
};

// name, bins, lo, hi  (same order as validation/zmumu_reference.py)
static const HDef kHists[] = {
   {"MuonGood_eta_1", 50, -2.5, 2.5}, {"MuonGood_pt_1", 50, 0., 150.}, {"MuonGood_phi_1", 64, -kPi, kPi},
   {"nElectronGood", 3, 0., 3.},      {"nMuonGood", 3, 0., 3.},        {"nJets", 8, 0., 8.},
   {"nBJets", 8, 0., 8.},             {"JetGood_eta_1", 50, -2.5, 2.5}, {"JetGood_eta_2", 50, -2.5, 2.5},
   {"JetGood_pt_1", 50, 0., 300.},    {"JetGood_pt_2", 50, 0., 300.},  {"JetGood_phi_1", 64, -kPi, kPi},
   {"JetGood_phi_2", 64, -kPi, kPi},  {"mll", 100, 0., 200.},
};

ROOT::RDF::TH1DModel Model(int i)
{
   return ROOT::RDF::TH1DModel(kHists[i].name, kHists[i].name, kHists[i].nbins, kHists[i].lo, kHists[i].hi);
}

} // namespace zmumu_bench

// Entry point (ACLiC: same name as the file).  nThreads 0 = implicit MT off.
void zmumu_rdf(const char *file, const char *outJson, double xsec, int nThreads)
{
   using namespace zmumu_bench;
   using clock = std::chrono::steady_clock;
   const auto t0 = clock::now();
   if (nThreads > 0) ROOT::EnableImplicitMT(nThreads); else ROOT::DisableImplicitMT();
   TH1::SetDefaultSumw2(true);

   ROOT::RDataFrame df("Events", file);
   auto nInitial = df.Count();
   auto sumGen = df.Define("gw64", [](float g) { return (double)g; }, {"genWeight"}).Sum<double>("gw64");

   // ---- skim: PV, 2018 MC flags, HLT_IsoMu24, >= 1 Muon with pt >= 18 ----------------------
   auto skim =
      df.Filter([](int npv) { return npv >= 1; }, {"PV_npvsGood"}, "PV")
         .Filter([](bool a, bool b, bool c, bool d, bool e, bool f) { return a && b && c && d && e && f; },
                 {"Flag_goodVertices", "Flag_globalSuperTightHalo2016Filter", "Flag_HBHENoiseFilter",
                  "Flag_HBHENoiseIsoFilter", "Flag_EcalDeadCellTriggerPrimitiveFilter", "Flag_BadPFMuonFilter"},
                 "eventFlags")
         .Filter([](bool hlt) { return hlt; }, {"HLT_IsoMu24"}, "HLT_SingleMuon")
         .Filter(
            [](const RVecF &pt) {
               for (float p : pt)
                  if (p >= 18.f) return true;
               return false;
            },
            {"Muon_pt"}, "nMuon_min1_pt18");
   auto nSkim = skim.Count();

   // ---- object preselection ---------------------------------------------------------------
   auto obj =
      skim.Define("muIdx",
                  [](const RVecF &pt, const RVecF &eta, const RVecF &iso, const RVecB &tight) {
                     Idx idx;
                     for (unsigned i = 0; i < pt.size(); ++i)
                        if (pt[i] > 15.f && std::abs(eta[i]) < 2.4f && iso[i] < 0.25f && tight[i]) idx.push_back(i);
                     return idx;
                  },
                  {"Muon_pt", "Muon_eta", "Muon_pfRelIso04_all", "Muon_tightId"})
         .Define("elIdx",
                 [](const RVecF &pt, const RVecF &eta, const RVecF &dEtaSC, const RVecF &iso, const RVecB &wp80) {
                    Idx idx;
                    for (unsigned i = 0; i < pt.size(); ++i) {
                       const double etaSC = std::abs((double)eta[i] + (double)dEtaSC[i]);
                       if (pt[i] > 15.f && std::abs(eta[i]) < 2.4f && !(etaSC >= 1.4442 && etaSC <= 1.5660) &&
                           iso[i] < 0.06f && wp80[i])
                          idx.push_back(i);
                    }
                    return idx;
                 },
                 {"Electron_pt", "Electron_eta", "Electron_deltaEtaSC", "Electron_pfRelIso03_all",
                  "Electron_mvaFall17V2Iso_WP80"})
         .Define("nMuonGood", [](const Idx &m) { return (int)m.size(); }, {"muIdx"})
         .Define("nElectronGood", [](const Idx &e) { return (int)e.size(); }, {"elIdx"})
         // dilepton from the first two good muons (float64)
         .Define("ll",
                 [](const Idx &m, const RVecF &pt, const RVecF &eta, const RVecF &phi, const RVecF &mass,
                    const RVecI &q) {
                    Dilepton ll;
                    if (m.size() < 2) return ll;
                    double px1, py1, pz1, e1, px2, py2, pz2, e2;
                    P4(pt[m[0]], eta[m[0]], phi[m[0]], mass[m[0]], px1, py1, pz1, e1);
                    P4(pt[m[1]], eta[m[1]], phi[m[1]], mass[m[1]], px2, py2, pz2, e2);
                    const double px = px1 + px2, py = py1 + py2, pz = pz1 + pz2, e = e1 + e2;
                    const double m2 = e * e - px * px - py * py - pz * pz;
                    ll.mass = std::sqrt(m2 > 0. ? m2 : 0.);
                    ll.charge = q[m[0]] + q[m[1]];
                    ll.valid = true;
                    return ll;
                 },
                 {"muIdx", "Muon_pt", "Muon_eta", "Muon_phi", "Muon_mass", "Muon_charge"});

   // ---- preselection (before the jets: they are only needed for the histograms) ------------
   auto presel = obj.Filter(
      [](int nMu, int nEl, const Idx &m, const RVecF &pt, const Dilepton &ll) {
         return nMu + nEl == 2 && nMu == 2 && nEl == 0 && pt[m[0]] > 25.f && ll.valid && ll.charge == 0 &&
                ll.mass > 25. && ll.mass < 2000.;
      },
      {"nMuonGood", "nElectronGood", "muIdx", "Muon_pt", "ll"}, "presel");
   auto nPresel = presel.Count();

   // ---- jets (cleaned against MuonGood + ElectronGood, Delta R > 0.4), b-jets, weights ------
   auto sel =
      presel
         .Define("jetIdx",
                 [](const RVecF &pt, const RVecF &eta, const RVecF &phi, const RVecI &jetId, const RVecI &puId,
                    const Idx &m, const RVecF &mEta, const RVecF &mPhi, const Idx &el, const RVecF &eEta,
                    const RVecF &ePhi) {
                    Idx idx;
                    for (unsigned i = 0; i < pt.size(); ++i) {
                       if (!(pt[i] > 30.f && std::abs(eta[i]) < 2.4f && jetId[i] >= 2 && (puId[i] >= 4 || pt[i] >= 50.f)))
                          continue;
                       bool clean = true;
                       for (unsigned k : m)
                          if (!(DeltaR(eta[i], phi[i], mEta[k], mPhi[k]) > 0.4)) { clean = false; break; }
                       if (clean)
                          for (unsigned k : el)
                             if (!(DeltaR(eta[i], phi[i], eEta[k], ePhi[k]) > 0.4)) { clean = false; break; }
                       if (clean) idx.push_back(i);
                    }
                    return idx;
                 },
                 {"Jet_pt", "Jet_eta", "Jet_phi", "Jet_jetId", "Jet_puId", "muIdx", "Muon_eta", "Muon_phi", "elIdx",
                  "Electron_eta", "Electron_phi"})
         .Define("nJetGood", [](const Idx &j) { return (int)j.size(); }, {"jetIdx"})
         .Define("nBJetGood",
                 [](const Idx &j, const RVecF &b) {
                    int n = 0;
                    for (unsigned i : j) n += b[i] > 0.2783f;
                    return n;
                 },
                 {"jetIdx", "Jet_btagDeepFlavB"})
         .Define("w", [xsec](float g) { return (double)g * kLumi2018 * xsec; }, {"genWeight"})
         .Define("w2", [](double w) { return w * w; }, {"w"});
   auto sumw = sel.Sum<double>("w");
   auto sumw2 = sel.Sum<double>("w2");

   // ---- the 14 histograms ------------------------------------------------------------------
   auto toD = [](int n) { return (double)n; };
   auto mu0 = sel.Define("mu0_eta", [](const Idx &m, const RVecF &v) { return (double)v[m[0]]; }, {"muIdx", "Muon_eta"})
                 .Define("mu0_pt", [](const Idx &m, const RVecF &v) { return (double)v[m[0]]; }, {"muIdx", "Muon_pt"})
                 .Define("mu0_phi", [](const Idx &m, const RVecF &v) { return (double)v[m[0]]; }, {"muIdx", "Muon_phi"});
   auto ev = sel.Define("nEl_d", toD, {"nElectronGood"})
                .Define("nMu_d", toD, {"nMuonGood"})
                .Define("nJet_d", toD, {"nJetGood"})
                .Define("nBJet_d", toD, {"nBJetGood"})
                .Define("mll", [](const Dilepton &ll) { return ll.mass; }, {"ll"});
   auto jetK = [&](unsigned k) {
      return sel.Filter([k](const Idx &j) { return j.size() > k; }, {"jetIdx"})
         .Define("j_eta", [k](const Idx &j, const RVecF &v) { return (double)v[j[k]]; }, {"jetIdx", "Jet_eta"})
         .Define("j_pt", [k](const Idx &j, const RVecF &v) { return (double)v[j[k]]; }, {"jetIdx", "Jet_pt"})
         .Define("j_phi", [k](const Idx &j, const RVecF &v) { return (double)v[j[k]]; }, {"jetIdx", "Jet_phi"});
   };
   auto j1 = jetK(0);
   auto j2 = jetK(1);

   std::vector<ROOT::RDF::RResultPtr<TH1D>> h;
   h.push_back(mu0.Histo1D<double, double>(Model(0), "mu0_eta", "w"));
   h.push_back(mu0.Histo1D<double, double>(Model(1), "mu0_pt", "w"));
   h.push_back(mu0.Histo1D<double, double>(Model(2), "mu0_phi", "w"));
   h.push_back(ev.Histo1D<double, double>(Model(3), "nEl_d", "w"));
   h.push_back(ev.Histo1D<double, double>(Model(4), "nMu_d", "w"));
   h.push_back(ev.Histo1D<double, double>(Model(5), "nJet_d", "w"));
   h.push_back(ev.Histo1D<double, double>(Model(6), "nBJet_d", "w"));
   h.push_back(j1.Histo1D<double, double>(Model(7), "j_eta", "w"));
   h.push_back(j2.Histo1D<double, double>(Model(8), "j_eta", "w"));
   h.push_back(j1.Histo1D<double, double>(Model(9), "j_pt", "w"));
   h.push_back(j2.Histo1D<double, double>(Model(10), "j_pt", "w"));
   h.push_back(j1.Histo1D<double, double>(Model(11), "j_phi", "w"));
   h.push_back(j2.Histo1D<double, double>(Model(12), "j_phi", "w"));
   h.push_back(ev.Histo1D<double, double>(Model(13), "mll", "w"));

   // ---- one event loop ----------------------------------------------------------------------
   const auto t1 = clock::now();
   const ULong64_t n0 = *nInitial; // triggers the (single) event loop for all booked actions
   const auto t2 = clock::now();
   const double S = *sumGen;
   const unsigned nRuns = df.GetNRuns();

   FILE *out = std::fopen(outJson, "w");
   if (!out) {
      std::fprintf(stderr, "cannot write %s\n", outJson);
      return;
   }
   std::fprintf(out, "{\"initial\": %llu, \"skim\": %llu, \"presel\": %llu, \"sum_genweights\": %.17g,\n",
                (unsigned long long)n0, (unsigned long long)*nSkim, (unsigned long long)*nPresel, S);
   std::fprintf(out, " \"sumw\": %.17g, \"sumw2\": %.17g, \"n_event_loops\": %u,\n \"hists\": {", *sumw, *sumw2, nRuns);
   for (std::size_t i = 0; i < h.size(); ++i) {
      const TH1D &hh = *h[i];
      const int nb = hh.GetNbinsX();
      std::fprintf(out, "%s\n  \"%s\": {\"sumw\": [", i ? "," : "", kHists[i].name);
      for (int b = 0; b <= nb + 1; ++b) std::fprintf(out, "%s%.17g", b ? ", " : "", hh.GetBinContent(b));
      std::fprintf(out, "], \"sumw2\": [");
      for (int b = 0; b <= nb + 1; ++b) std::fprintf(out, "%s%.17g", b ? ", " : "", hh.GetSumw2()->At(b));
      std::fprintf(out, "]}");
   }
   std::fprintf(out, "\n }\n}\n");
   std::fclose(out);
   const auto t3 = clock::now();
   auto sec = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
   std::printf("{\"tool\": \"rdf-compiled\", \"events\": %llu, \"setup_seconds\": %.6f, \"loop_seconds\": %.6f, "
               "\"macro_seconds\": %.6f, \"n_event_loops\": %u}\n",
               (unsigned long long)n0, sec(t0, t1), sec(t1, t2), sec(t0, t3), nRuns);
   std::fflush(stdout);
}
#endif // !__CLING__
