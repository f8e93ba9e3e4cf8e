//! Values checked against correctionlib 2.7.0 (x = 2.5, y = 0.5, [0] = 2, [1] = 3).

use super::*;

fn eval(expr: &str) -> f64 {
    Formula::parse(expr).unwrap().eval(&[2.5, 0.5], &[2.0, 3.0])
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(eval("1+2*3-4/2"), 5.0);
    assert_eq!(eval("x/y/2"), 2.5);
    assert_eq!(eval("x-y-1"), 1.0);
    assert_eq!(eval("2^3^2"), 512.0);
    assert_eq!(eval("x>1==1"), 1.0);
    assert_eq!(eval("1<2<3"), 1.0);
    assert_eq!(eval("x - 1"), 1.5);
    assert_eq!(eval("x -1"), 1.5);
    assert_eq!(eval("(1+2)*3"), 9.0);
}

#[test]
fn unary_minus_binds_to_the_primary() {
    assert_eq!(eval("-x^2"), 6.25);
    assert_eq!(eval("-2^2"), 4.0);
    assert_eq!(eval("x*-1"), -2.5);
    assert_eq!(eval("x^-1"), 0.4);
    assert_eq!(eval("2*-x"), -5.0);
    assert_eq!(eval("abs(-x)"), 2.5);
    assert_eq!(eval("-(x)"), -2.5);
}

#[test]
fn literals_parameters_and_comparisons() {
    assert_eq!(eval("1.e1"), 10.0);
    assert_eq!(eval("1."), 1.0);
    assert_eq!(eval("1.5e-1*x"), 0.375);
    assert_eq!(eval("[0]*x"), 5.0);
    assert_eq!(eval("[ 1 ]*x"), 7.5);
    assert_eq!(eval(" x "), 2.5);
    assert_eq!(
        eval("x>=1") + eval("x<=1") + eval("x==1") + eval("x!=1"),
        2.0
    );
    assert_eq!(eval("x>2.5") + eval("x<2.5") + eval("x>=2.5"), 1.0);
}

#[test]
fn functions_match_the_c_library() {
    assert_eq!(eval("log10(x)"), 0.3979400086720376);
    assert_eq!(eval("log(x)"), 0.9162907318741551);
    assert_eq!(eval("exp (x)"), 12.182493960703473);
    assert_eq!(eval("atan2(x,y)"), 1.373400766945016);
    assert_eq!(eval("max(x, y)"), 2.5);
    assert_eq!(eval("min(x, y)"), 0.5);
    assert_eq!(eval("acosh(x)"), 1.566799236972411);
    assert_eq!(eval("pow(x,2)"), 6.25);
    assert_eq!(eval("erf(y)"), 0.5204998778130465);
    assert_eq!(eval("max(0.0001,pow(x,[0]))"), 6.25);
    // std::max keeps the first argument when the comparison is false (NaN)
    assert!(eval("max(log(-1), 1)").is_nan());
    assert_eq!(eval("max(1, log(-1))"), 1.0);
}

#[test]
fn counts_variables_and_parameters() {
    let f = Formula::parse("[0]+[3]*z").unwrap();
    assert_eq!((f.n_vars(), f.n_params()), (3, 4));
    let bound = f.bind(&[1.0, 0.0, 0.0, 2.0]).unwrap();
    assert_eq!(bound.n_params(), 0);
    assert_eq!(bound.eval(&[0.0, 0.0, 4.0], &[]), 9.0);
    assert!(f.bind(&[1.0]).is_err());
}

#[test]
fn deep_expressions_use_a_heap_stack() {
    let expr = format!("{}1{}", "(1+".repeat(40), ")".repeat(40));
    assert_eq!(eval(&expr), 41.0);
}

#[test]
fn errors_name_the_expression_and_position() {
    for (expr, pos) in [
        ("--x", 1),
        ("1E3", 1),
        (".5", 0),
        ("+x", 0),
        ("foo(x)", 0),
        ("x+", 2),
        ("exp(x", 5),
        ("xy", 0),
    ] {
        let err = Formula::parse(expr).unwrap_err();
        assert_eq!(err.pos, pos, "{expr}: {err}");
        assert!(err.to_string().contains(&format!("`{expr}`")), "{err}");
    }
}

#[test]
fn formulas_are_shareable_across_threads() {
    fn check<T: Send + Sync>() {}
    check::<Formula>();
}

#[test]
fn inverse_hyperbolics_match_the_c_library() {
    // correctionlib 2.7.0 values
    assert_eq!(eval("asinh(x)"), 1.6472311463710958);
    assert_eq!(eval("atanh(y)"), 0.5493061443340548);
}
